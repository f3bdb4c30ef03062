// The backend of bench/router.sh: one thread, epoll, HTTP/1.1 keep-alive, answers every
// request (a GET without a body) with "hello". Listens on $PORT (default 8080) on all
// addresses. Built static by bench/router.sh and pushed as a binary_buildpack app, so that
// the direct run, nginx, haproxy and microcf's router all reach the same process.
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_FDS 65536
static const char kAnswer[] =
    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello";
static unsigned tail[MAX_FDS];  // the last bytes seen on each connection, to find "\r\n\r\n"

int main(void) {
  const char* port = getenv("PORT");
  signal(SIGPIPE, SIG_IGN);
  int ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), one = 1;
  setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(port ? atoi(port) : 8080)};
  if (bind(ls, (struct sockaddr*)&addr, sizeof addr) || listen(ls, 1024)) {
    perror("listen");
    return 1;
  }
  int ep = epoll_create1(0);
  struct epoll_event ev = {.events = EPOLLIN, .data.fd = ls}, evs[256];
  epoll_ctl(ep, EPOLL_CTL_ADD, ls, &ev);
  printf("backend listening on port %s\n", port ? port : "8080");
  fflush(stdout);
  static char in[65536], out[65536];
  for (;;) {
    int n = epoll_wait(ep, evs, 256, -1);
    for (int i = 0; i < n; i++) {
      int fd = evs[i].data.fd;
      if (fd == ls) {
        int c;
        while ((c = accept4(ls, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
          if (c >= MAX_FDS) { close(c); continue; }
          setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          tail[c] = 0;
          struct epoll_event cev = {.events = EPOLLIN, .data.fd = c};
          epoll_ctl(ep, EPOLL_CTL_ADD, c, &cev);
        }
        continue;
      }
      ssize_t got = read(fd, in, sizeof in);
      if (got <= 0) {
        if (got < 0 && errno == EAGAIN) continue;
        close(fd);
        continue;
      }
      size_t len = 0;
      unsigned t = tail[fd];
      for (ssize_t k = 0; k < got; k++) {
        t = (t << 8) | (unsigned char)in[k];
        if (t == 0x0d0a0d0au && len + sizeof kAnswer < sizeof out) {
          memcpy(out + len, kAnswer, sizeof kAnswer - 1);
          len += sizeof kAnswer - 1;
        }
      }
      tail[fd] = t;
      // Small answers to small requests: the socket buffer takes them whole.
      if (len && write(fd, out, len) < 0) close(fd);
    }
  }
}
