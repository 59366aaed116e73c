#!/usr/bin/env python3
"""lxc-tty.py - drive the stock lxc client on a pty, as a user at a terminal.

    lxc-tty.py exec INSTANCE      interactive `lxc exec INSTANCE -- sh`
    lxc-tty.py console INSTANCE   `lxc console INSTANCE`, then Ctrl-a q

Used by tests/api/lxc-more.sh against lxdeckd and the reference LXD alike
(LXD_CONF picks the server).  Prints TAP-like lines "ok - what" or
"not ok - what" (the caller renumbers them) and exits 1 on the first
failure it cannot go on from.

exec: the pty starts at 30x100; `stty size` inside must say so; `tty`
must name a /dev/pts device (the pty lives in the container's devpts);
resizing the outer pty (TIOCSWINSZ, which sends SIGWINCH to lxc) must reach
the inside; Ctrl-C must interrupt a `sleep` and give the prompt back;
`exit 7` must end lxc with status 7.

console: typing a command on the console shows its output; Ctrl-a q
detaches and lxc exits 0.
"""
import fcntl, os, re, struct, sys, termios, time

sys.dont_write_bytecode = True	# no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
import ptyterm


class Term(ptyterm.Term):
    def __init__(self, argv, rows=30, cols=100):
        super().__init__(argv, rows, cols)
        self.status = None

    def expect(self, pattern, timeout=10.0):
        """Waits for pattern in what arrived since the last expect()."""
        end = time.monotonic() + timeout
        pat = re.compile(pattern.encode() if isinstance(pattern, str) else pattern)
        while time.monotonic() < end:
            m = pat.search(self.text)
            if m:
                self.text = self.text[m.end():]
                return True
            self.pump(0.05)
        sys.stdout.write('# timeout waiting for %r; saw %r\n' % (pattern, self.text[-300:]))
        return False

    def send(self, s):
        os.write(self.fd, s.encode() if isinstance(s, str) else s)

    def resize(self, rows, cols):
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack('HHHH', rows, cols, 0, 0))

    def wait_exit(self, timeout=10.0):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            pid, st = os.waitpid(self.pid, os.WNOHANG)
            if pid == self.pid:
                self.status = os.waitstatus_to_exitcode(st)
                return self.status
            self.pump(0.05)
        return None

    def kill(self):
        if self.status is None:
            try:
                os.kill(self.pid, 9)
                os.waitpid(self.pid, 0)
            except OSError:
                pass


failed = 0


def check(what, cond):
    global failed
    print('%s - %s' % ('ok' if cond else 'not ok', what), flush=True)
    if not cond:
        failed += 1
    return cond


def lxc(*args):
    return ['timeout', '60', 'lxc'] + list(args)


def do_exec(inst):
    t = Term(lxc('exec', inst, '--', 'sh'))
    try:
        t.send('echo rea""dy\n')
        if not check('interactive exec shows a shell', t.expect('ready')):
            return
        t.send('stty size; echo e""nd\n')
        check('stty size is the terminal size (30 100)', t.expect(r'30 100\s+end'))
        t.send('tty; echo e""nd\n')
        check('tty names a pts device', t.expect(r'/dev/pts/[0-9]+\s+end'))
        t.send('[ -t 0 ] && echo is-""tty\n')
        check('stdin is a terminal', t.expect('is-tty'))
        t.resize(40, 120)
        time.sleep(0.5)
        t.send('stty size; echo e""nd\n')
        check('window-resize reaches the inside (40 120)', t.expect(r'40 120\s+end'))
        # Uninterrupted, the sleep lasts 300 s: the 60 s wait is a bound for
        # that, not a timing goal.
        t.send('sleep 300; echo slept-""$?\n')
        time.sleep(0.7)
        t.send('\x03')
        t.send('echo after-""int\n')
        check('Ctrl-C interrupts a foreground sleep',
              t.expect('after-int', timeout=60))
        t.send('exit 7\n')
        check('exit status of the shell (7)', t.wait_exit(10) == 7)
    finally:
        t.kill()


def do_console(inst):
    t = Term(lxc('console', inst))
    try:
        check('console attaches', t.expect(r'To detach from the console', timeout=10))
        t.send('\r')
        time.sleep(0.3)
        t.send('\x15echo con""sole-$((6*7))\r')
        check('a command typed on the console runs', t.expect('console-42'))
        t.send('\x01')
        time.sleep(0.2)
        t.send('q')
        check('Ctrl-a q detaches with status 0', t.wait_exit(10) == 0)
    finally:
        t.kill()


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ('exec', 'console'):
        sys.stderr.write(__doc__)
        return 2
    {'exec': do_exec, 'console': do_console}[sys.argv[1]](sys.argv[2])
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
