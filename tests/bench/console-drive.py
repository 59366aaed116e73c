#!/usr/bin/env python3
"""console-drive.py - drive a terminal program in an 80x24 pty and time it.

    console-drive.py KIND FILE -- CMD ARGS...

KIND is "lxdeck" (open a shell pane with `e` first) or "tmux" (the command
already shows a shell).  Prints, one a line:
    throughput MB/s      cat FILE (its size) in the pane, until a marker
                         printed after it shows
    latency_ms MED P95   a key's echo: write a letter, wait for it
    idle_cpu_ticks N     the program's CPU over 5 s with four idle panes
                         (lxdeck: four shell panes; tmux: four panes)
The driver reads the pty as fast as it comes, so the program is the
bottleneck.  Escape sequences are stripped before matching.
"""
import os, re, signal, subprocess, sys, time

sys.dont_write_bytecode = True	# no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
import ptyterm


class Term(ptyterm.Term):
    def __init__(self, argv):
        super().__init__(argv, 24, 80)

    def wait(self, pattern, timeout=30.0):
        end = time.monotonic() + timeout
        pat = re.compile(pattern)
        while time.monotonic() < end:
            if pat.search(self.text):
                return True
            self.pump(0.05)
        raise SystemExit('timeout waiting for %r; saw %r' % (pattern, self.text[-300:]))

    def send(self, s):
        os.write(self.fd, s.encode() if isinstance(s, str) else s)

    def mark(self):
        self.text = b''

    def cpu_ticks(self, pids):
        t = 0
        for p in pids:
            try:
                f = open('/proc/%d/stat' % p).read().rsplit(')', 1)[1].split()
                t += int(f[11]) + int(f[12])
            except OSError:
                pass
        return t


def main():
    kind, path = sys.argv[1], sys.argv[2]
    argv = sys.argv[sys.argv.index('--') + 1:]
    size = os.path.getsize(path) if kind == 'tmux' else int(os.environ['BENCH_SIZE'])
    t = Term(argv)
    if kind == 'lxdeck':
        t.wait(rb'c1')
        time.sleep(0.3)
        t.send('e')
        t.wait(rb'c1:~# ')
    else:
        time.sleep(0.5)
        t.send('PS1="bench$ "\r')
        t.wait(rb'bench\$ ')
    time.sleep(0.3)

    # Throughput.
    t.mark()
    t.send('cat %s; echo DONE-$((40+2))\r' % (os.environ.get('BENCH_FILE', path)))
    t0 = time.monotonic()
    t.wait(rb'DONE-42', timeout=600)
    dt = time.monotonic() - t0
    print('throughput %.1f MB/s (%.1f MB in %.2f s)' % (size / dt / 1e6, size / 1e6, dt))
    t.send('clear\r')
    time.sleep(0.5)

    # Echo latency.
    lat = []
    letters = 'qwertyuiopasdfghjklzxcvbnm'
    for i in range(120):
        c = letters[i % len(letters)]
        time.sleep(0.03)	# typing, not a paste
        while t.pump(0.002):
            pass
        t.mark()
        t0 = time.monotonic()
        t.send(c)
        end = t0 + 2
        while c.encode() not in t.text and time.monotonic() < end:
            t.pump(0.5)
        lat.append((time.monotonic() - t0) * 1000)
        if i % 20 == 19:
            t.send('\x15')
            time.sleep(0.05)
    lat.sort()
    print('latency_ms median %.2f p95 %.2f (%d keys)' % (lat[len(lat) // 2],
          lat[int(len(lat) * 0.95)], len(lat)))
    t.send('\x15')

    # Four idle panes.
    if kind == 'lxdeck':
        for _ in range(3):
            t.send('\x01q')
            time.sleep(0.2)
            t.send('e')
            time.sleep(0.6)
        t.send('\x01q')
        pids = [t.pid]
    else:
        for _ in range(3):
            t.send('\x02"')
            time.sleep(0.4)
        srv = subprocess.run(['tmux', '-L', os.environ['TMUX_SOCKET'], 'display',
                              '-p', '#{pid}'], capture_output=True, text=True)
        pids = [t.pid] + [int(x) for x in srv.stdout.split()]
    time.sleep(1)
    while t.pump(0.01):
        pass
    c0 = t.cpu_ticks(pids)
    end = time.monotonic() + 5
    while time.monotonic() < end:
        t.pump(0.1)
    print('idle_cpu_ticks %d in 5 s (four panes, %s)' % (t.cpu_ticks(pids) - c0,
          'lxdeck' if kind == 'lxdeck' else 'tmux client+server'))
    os.kill(t.pid, signal.SIGTERM)


if __name__ == '__main__':
    main()
