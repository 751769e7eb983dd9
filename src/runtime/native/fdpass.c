/*
 * Passing a client's connection from `modelsmith serve` to a runner
 * (docs/decisions.md, "A runner writes its stream to the client itself"):
 * a file descriptor crosses a Unix socket as SCM_RIGHTS ancillary data
 * (unix(7), cmsg(3)), which Node's own API can send only over a child's IPC
 * channel, and runners are started from another thread (spawner.ts).
 *
 * - `pair()`: a socketpair(AF_UNIX, SOCK_SEQPACKET) with both ends
 *   close-on-exec: [server's end, runner's end] (the runner's end reaches the
 *   runner as one of its stdio descriptors, which spawn dup2()s into place,
 *   clearing close-on-exec there).
 * - `send(channel, id, fd)`: one message, the 4-byte id with `fd` attached,
 *   never blocking: true when the kernel took it.
 * - `receive(channel)`: the next message, never blocking: [id, fd] (the fd
 *   received close-on-exec), or null when none is waiting.
 * - `close(fd)`.
 *
 * Compiled by tools/build-native.ts against node's N-API headers only; without
 * it (not built, not Linux) serve's runners send every piece through the
 * server, as before.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <node_api.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static napi_value throw_errno(napi_env env, const char *what) {
  char message[160];
  snprintf(message, sizeof message, "%s: %s", what, strerror(errno));
  napi_throw_error(env, NULL, message);
  return NULL;
}

/** The call's first `n` (at most 3) arguments as integers into `out`; false, having thrown `usage` as a TypeError, when they are not. */
static int int_args(napi_env env, napi_callback_info info, size_t n, int32_t *out, const char *usage) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  for (size_t i = 0; i < n; i++) {
    if (i >= argc || napi_get_value_int32(env, argv[i], &out[i]) != napi_ok) {
      napi_throw_type_error(env, NULL, usage);
      return 0;
    }
  }
  return 1;
}

static napi_value pair(napi_env env, napi_callback_info info) {
  (void)info;
  int fds[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) != 0) return throw_errno(env, "socketpair");
  napi_value out, a, b;
  napi_create_array_with_length(env, 2, &out);
  napi_create_int32(env, fds[0], &a);
  napi_create_int32(env, fds[1], &b);
  napi_set_element(env, out, 0, a);
  napi_set_element(env, out, 1, b);
  return out;
}

static napi_value send_fd(napi_env env, napi_callback_info info) {
  int32_t a[3];
  if (!int_args(env, info, 3, a, "send(channel, id, fd) takes three integers")) return NULL;
  int32_t channel = a[0], fd = a[2];
  uint32_t payload = (uint32_t)a[1];
  struct iovec iov = {.iov_base = &payload, .iov_len = sizeof payload};
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } control;
  memset(&control, 0, sizeof control);
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf, .msg_controllen = sizeof control.buf};
  struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
  cmsg->cmsg_level = SOL_SOCKET;
  cmsg->cmsg_type = SCM_RIGHTS;
  cmsg->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
  ssize_t n;
  do n = sendmsg(channel, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  napi_value ok;
  napi_get_boolean(env, n == (ssize_t)sizeof payload, &ok);
  return ok;
}

static napi_value receive_fd(napi_env env, napi_callback_info info) {
  int32_t channel;
  if (!int_args(env, info, 1, &channel, "receive(channel) takes an integer")) return NULL;
  uint32_t payload = 0;
  struct iovec iov = {.iov_base = &payload, .iov_len = sizeof payload};
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } control;
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf, .msg_controllen = sizeof control.buf};
  ssize_t n;
  do n = recvmsg(channel, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  napi_value out;
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
    napi_get_null(env, &out);
    return out;
  }
  if (n < 0) return throw_errno(env, "recvmsg");
  int fd = -1;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS && c->cmsg_len >= CMSG_LEN(sizeof(int))) {
      // One fd is ever sent per message; close any extra a peer attached.
      size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
      int *fds = (int *)CMSG_DATA(c);
      for (size_t i = 0; i < count; i++) {
        if (fd < 0) fd = fds[i];
        else close(fds[i]);
      }
    }
  }
  napi_value id, fdv;
  napi_create_array_with_length(env, 2, &out);
  napi_create_uint32(env, n == (ssize_t)sizeof payload ? payload : 0, &id);
  napi_create_int32(env, fd, &fdv);
  napi_set_element(env, out, 0, id);
  napi_set_element(env, out, 1, fdv);
  return out;
}

static napi_value close_fd(napi_env env, napi_callback_info info) {
  int32_t fd;
  if (!int_args(env, info, 1, &fd, "close(fd) takes an integer")) return NULL;
  if (fd >= 0) close(fd);
  return NULL;
}

NAPI_MODULE_INIT() {
  napi_property_descriptor props[] = {
      {"pair", NULL, pair, NULL, NULL, NULL, napi_default, NULL},
      {"send", NULL, send_fd, NULL, NULL, NULL, napi_default, NULL},
      {"receive", NULL, receive_fd, NULL, NULL, NULL, napi_default, NULL},
      {"close", NULL, close_fd, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}
