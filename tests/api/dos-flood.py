#!/usr/bin/env python3
# dos-flood.py - slow unauthenticated HTTPS clients for dos-untrusted.sh.
#
#   dos-flood.py PORT NTLS NHS NADDR SECONDS READY-FILE
#
# NTLS clients finish the TLS handshake without a certificate, send the start
# of a request head and then one byte every few seconds, never ending it;
# NHS clients open TCP and send a real ClientHello one byte every few
# seconds, never finishing the handshake.  They come from NADDR loopback
# source addresses (127.0.0.2, ...).  A client the server closes comes back
# after a second or two, as an attacker would (not at once: the test
# machine is shared).  After SECONDS all leave; the statistics are printed
# as JSON on stdout.  READY-FILE is written once every client has tried.
import asyncio, json, random, ssl, sys, time

PORT, NTLS, NHS, NADDR, SECS = (int(a) for a in sys.argv[1:6])
READY = sys.argv[6]
TRICKLE = 3.0
stats = {'tls_connects': 0, 'tls_connect_failed': 0, 'tls_503': 0, 'tls_closed': 0,
         'tls_longest_s': 0.0, 'hs_connects': 0, 'hs_closed': 0, 'hs_longest_s': 0.0,
         'max_alive': 0, 'max_alive_per_addr': 0}
alive = {}
tried = 0
stop = False


def now():
    return time.monotonic()


def track(src, d):
    alive[src] = alive.get(src, 0) + d
    tot = sum(alive.values())
    stats['max_alive'] = max(stats['max_alive'], tot)
    stats['max_alive_per_addr'] = max(stats['max_alive_per_addr'], alive[src])


def client_hello():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(inc, out)
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return out.read()


HELLO = client_hello()
CTX = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
CTX.check_hostname = False
CTX.verify_mode = ssl.CERT_NONE


async def slow_tls(i):
    global tried
    src = '127.0.0.%d' % (2 + i % NADDR)
    first = True
    while not stop:
        t0 = now()
        try:
            r, w = await asyncio.wait_for(asyncio.open_connection(
                '127.0.0.1', PORT, ssl=CTX, local_addr=(src, 0)), 30)
        except Exception:
            stats['tls_connect_failed'] += 1
            if first:
                tried += 1
                first = False
            await asyncio.sleep(1 + random.random())
            continue
        if first:
            tried += 1
            first = False
        stats['tls_connects'] += 1
        track(src, 1)
        got = b''
        try:
            w.write(b'GET /1.0 HTTP/1.1\r\nHost: x\r\nX-Slow: ')
            while not stop:
                try:
                    d = await asyncio.wait_for(r.read(4096), TRICKLE)
                except asyncio.TimeoutError:
                    w.write(b'x')
                    continue
                if not d:
                    break
                got += d
        except Exception:
            pass
        track(src, -1)
        held = now() - t0
        if stop:
            w.close()
            break
        if b' 503 ' in got[:20]:
            stats['tls_503'] += 1
        else:
            stats['tls_closed'] += 1
            stats['tls_longest_s'] = max(stats['tls_longest_s'], round(held, 1))
        w.close()
        await asyncio.sleep(1 + random.random())


async def slow_handshake(i):
    global tried
    src = '127.0.0.%d' % (2 + i % NADDR)
    first = True
    while not stop:
        t0 = now()
        try:
            r, w = await asyncio.wait_for(asyncio.open_connection(
                '127.0.0.1', PORT, local_addr=(src, 0)), 30)
        except Exception:
            await asyncio.sleep(1 + random.random())
            continue
        if first:
            tried += 1
            first = False
        stats['hs_connects'] += 1
        track(src, 1)
        pos = 0
        try:
            while not stop:
                try:
                    d = await asyncio.wait_for(r.read(4096), TRICKLE)
                except asyncio.TimeoutError:
                    if pos < len(HELLO) - 1:	# never the last byte
                        w.write(HELLO[pos:pos + 1])
                        pos += 1
                    continue
                if not d:
                    break
        except Exception:
            pass
        track(src, -1)
        if stop:
            w.close()
            break
        stats['hs_closed'] += 1
        stats['hs_longest_s'] = max(stats['hs_longest_s'], round(now() - t0, 1))
        w.close()
        await asyncio.sleep(1 + random.random())


async def main():
    global stop
    tasks = [asyncio.create_task(slow_tls(i)) for i in range(NTLS)]
    tasks += [asyncio.create_task(slow_handshake(i)) for i in range(NHS)]
    t0 = now()
    while tried < NTLS + NHS and now() - t0 < SECS:
        await asyncio.sleep(0.2)
    open(READY, 'w').write('%d\n' % tried)
    await asyncio.sleep(max(0, SECS - (now() - t0)))
    stop = True
    await asyncio.wait(tasks, timeout=10)
    stats['seconds'] = round(now() - t0, 1)
    print(json.dumps(stats))

asyncio.run(main())
