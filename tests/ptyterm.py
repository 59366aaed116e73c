"""ptyterm.py - a program on a pty, its output read as text with the escape
sequences taken out: what tests/api/lxc-tty.py and tests/bench/
console-drive.py drive their terminal programs with.

    t = Term(argv, rows, cols)   forks argv on a pty of that size
    t.pump(timeout)              reads what arrived into t.text (the last
                                 64 KiB); False when nothing came in time
"""
import fcntl, os, pty, re, select, struct, termios

ANSI = re.compile(rb'\x1b(\[[0-9;?>=!]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[()][0-9A-Za-z]|[=>78cDEHM])')


class Term:
    def __init__(self, argv, rows, cols):
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack('HHHH', rows, cols, 0, 0))
            os.execvp(argv[0], argv)
        self.text = b''

    def pump(self, timeout):
        r, _, _ = select.select([self.fd], [], [], timeout)
        if not r:
            return False
        try:
            data = os.read(self.fd, 1 << 16)
        except OSError:
            return False
        if not data:
            return False
        self.text = (self.text + ANSI.sub(b'', data))[-65536:]
        return True
