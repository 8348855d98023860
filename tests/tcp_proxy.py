"""A loopback TCP proxy a test can cut and restore: the database "goes down" and "comes back"."""

import socket
import threading

from bench.servers import free_port


class TcpProxy:
    """Forward 127.0.0.1:<port> to a target; cut() drops every connection and refuses new ones."""

    def __init__(self, target_host, target_port):
        self.target = (target_host, target_port)
        self.port = free_port()  # bound again after each cut(): outside the ephemeral ports
        self._listener = None
        self._sockets = set()
        self._lock = threading.Lock()
        self.restore()

    def restore(self):
        """Accept connections again (on the same port)."""
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self):
        """Close the listener and every open connection, as a crashed or unreachable server would."""
        try:
            self._listener.shutdown(socket.SHUT_RDWR)  # wakes the accept() (close alone leaves it listening)
        except OSError:
            pass
        self._listener.close()
        with self._lock:
            for sock in list(self._sockets):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                sock.close()
            self._sockets.clear()

    def _accept(self, listener):
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._sockets.update((client, upstream))
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    def _pipe(self, source, sink):
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
