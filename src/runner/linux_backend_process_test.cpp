// Tests of LinuxBackend's processes with real containers (root only; skipped otherwise):
// descriptors, stdin, terminals, attach and signals, and the tar streams.
#include "runner/linux_backend.h"

#include <archive.h>
#include <archive_entry.h>
#include <doctest/doctest.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <map>

#include <fmt/format.h>
#include <chrono>
#include <filesystem>

#include "base/fs.h"
#include "runner/depot.h"
#include "runner/runner_test_paths.h"

using namespace mcf::runner;
using mcf::base::pathExists;
using mcf::base::readFile;

#include "runner/testing/linux_fixture.h"

using namespace mcf::runner::testing;

TEST_CASE("linux: descriptors microcf leaks (no O_CLOEXEC) never reach a container") {
  if (!privileged()) return;
  Fixture f;
  int leaked = ::open("/", O_RDONLY | O_DIRECTORY);  // a way out, were it inherited
  REQUIRE(leaked >= 0);
  std::string h = f.create();
  Ran r = f.sh(h,
               "cd /proc/1/fd && for fd in *; do readlink $fd | cut -d: -f1; done; "
               "echo --; ls /proc/self/fd",
               "root");
  ::close(leaked);
  CHECK(r.status == 0);
  // pid 1 keeps stdin, stdout and stderr (its output reaches microcf's log), its signalfd and
  // its end of the control channel; the process has the first three plus ls's own directory.
  CHECK(r.out == "/dev/null\nsocket\nsocket\nanon_inode\nsocket\n--\n0\n1\n2\n3\n");
}

// A process run with stdin open (and a terminal if tty): the test drives it.
struct Interactive {
  Fixture& f;
  int pid = 0;
  Ran r;

  Interactive(Fixture& fixture, const std::string& handle, const std::string& script, bool tty,
              int rows = 24, int cols = 80)
      : f(fixture) {
    ProcessSpec spec{.path = "/bin/sh", .args = {"-c", script}, .env = {"PATH=/usr/bin:/bin"}};
    spec.tty = tty;
    spec.rows = rows;
    spec.cols = cols;
    ProcessIO io{[this](std::string_view s) { r.out += s; },
                 [this](std::string_view s) { r.err += s; }, true};
    auto p = f.backend->run(handle, spec, io, [this](const ProcessExit& e) { r.status = e.status; });
    REQUIRE_MESSAGE(p.ok(), (p.ok() ? "" : p.error().message));
    pid = *p;
  }
  void waitFor(const std::string& text) {
    f.runUntil([&] { return r.out.find(text) != std::string::npos || r.status >= 0; });
    REQUIRE_MESSAGE(r.out.find(text) != std::string::npos, (r.out + r.err));
  }
  void waitExit() {
    INFO("output: ", r.out, r.err);
    f.runUntil([&] { return r.status >= 0; });
  }
};

TEST_CASE("linux: stdin reaches the process in order, and its end is end of file") {
  if (!privileged()) return;
  Fixture f;
  std::string h = f.create();
  Interactive cat(f, h, "cat; echo done; exit 4", false);
  REQUIRE(f.backend->writeStdin(cat.pid, "one\n").ok());
  cat.waitFor("one\n");
  REQUIRE(f.backend->writeStdin(cat.pid, "two\n").ok());
  REQUIRE(f.backend->closeStdin(cat.pid).ok());
  cat.waitExit();
  CHECK(cat.r.out == "one\ntwo\ndone\n");
  CHECK(cat.r.status == 4);
  // Without stdin_open, stdin is at end of file and cannot be written.
  Ran plain = f.sh(h, "cat; echo $?");
  CHECK(plain.out == "0\n");
  CHECK_FALSE(f.backend->writeStdin(cat.pid, "x").ok());
}

TEST_CASE("linux: a terminal is the process's controlling tty, sized and resizable") {
  if (!privileged()) return;
  Fixture f;
  std::string h = f.create();
  Interactive sh(f, h,
                 "tty; stty size; echo ready; read x; stty size; test -t 0 && echo term; "
                 "echo err >&2; exit 7",
                 true, 33, 101);
  sh.waitFor("ready");
  CHECK(sh.r.out.find("/dev/pts/") == 0);
  CHECK(sh.r.out.find("33 101\r\n") != std::string::npos);
  REQUIRE(f.backend->resizeTty(sh.pid, 50, 120).ok());
  // The resize is written at once, stdin on the loop: the helper applies it first.
  REQUIRE(f.backend->writeStdin(sh.pid, "go\n").ok());
  sh.waitExit();
  CHECK(sh.r.out.find("50 120\r\n") != std::string::npos);
  CHECK(sh.r.out.find("term\r\n") != std::string::npos);
  CHECK(sh.r.out.find("err\r\n") != std::string::npos);  // stdout carries both streams
  CHECK(sh.r.err == "");
  CHECK(sh.r.status == 7);
  Ran plain = f.sh(h, "tty");
  CHECK(plain.out == "not a tty\n");
  CHECK_FALSE(f.backend->resizeTty(sh.pid, 10, 10).ok());
}

TEST_CASE("linux: a terminal's shell reads typed lines and ends at end of file") {
  if (!privileged()) return;
  Fixture f;
  std::string h = f.create();
  Interactive sh(f, h, "exec /bin/sh -i", true);
  sh.waitFor("$ ");
  REQUIRE(f.backend->writeStdin(sh.pid, "echo $((6*7)); exit 5\n").ok());
  sh.waitExit();
  CHECK(sh.r.out.find("42") != std::string::npos);
  CHECK(sh.r.status == 5);

  Interactive eof(f, h, "exec /bin/sh -i", true);
  REQUIRE(f.backend->closeStdin(eof.pid).ok());  // ^D at an empty prompt: the shell exits
  eof.waitExit();
  CHECK(eof.r.status == 0);
}

TEST_CASE("linux: attach moves output and exit to new callbacks; signal reaches the process") {
  if (!privileged()) return;
  Fixture f;
  std::string h = f.create();
  Interactive first(f, h, "trap 'echo hup; exit 9' HUP; echo a; read x; echo b; while :; do sleep 0.05; done",
                    false);
  first.waitFor("a\n");
  Ran moved;
  REQUIRE(f.backend
              ->attach(first.pid, {[&](std::string_view s) { moved.out += s; }, nullptr},
                       [&](const ProcessExit& e) { moved.status = e.status; })
              .ok());
  REQUIRE(f.backend->writeStdin(first.pid, "\n").ok());
  f.runUntil([&] { return moved.out == "b\n"; });
  REQUIRE(f.backend->signal(first.pid, SIGHUP).ok());
  f.runUntil([&] { return moved.status >= 0; });
  CHECK(moved.out == "b\nhup\n");
  CHECK(moved.status == 9);
  CHECK(first.r.out == "a\n");
  CHECK(first.r.status == -1);
  CHECK_FALSE(f.backend->attach(first.pid, {}, nullptr).ok());

  Interactive stuck(f, h, "trap '' HUP TERM; echo up; while :; do sleep 0.05; done", false);
  stuck.waitFor("up");
  REQUIRE(f.backend->signal(stuck.pid, SIGKILL).ok());
  stuck.waitExit();
  CHECK(stuck.r.status == 137);
}

namespace {

// One entry of a tar made here, hostile ones included.
struct TarEntry {
  std::string path;
  unsigned type = AE_IFREG;
  std::string data;  // contents, or a symlink's target
  int mode = 0644;
};

std::string makeTar(const std::vector<TarEntry>& entries) {
  std::string out;
  struct archive* a = archive_write_new();
  archive_write_set_format_pax_restricted(a);
  archive_write_set_bytes_in_last_block(a, 1);
  auto append = [](struct archive*, void* client, const void* buf, size_t n) -> la_ssize_t {
    static_cast<std::string*>(client)->append(static_cast<const char*>(buf), n);
    return static_cast<la_ssize_t>(n);
  };
  REQUIRE(archive_write_open(a, &out, nullptr, append, nullptr) == ARCHIVE_OK);
  for (const auto& e : entries) {
    struct archive_entry* entry = archive_entry_new();
    archive_entry_set_pathname(entry, e.path.c_str());
    archive_entry_set_filetype(entry, e.type);
    archive_entry_set_perm(entry, static_cast<mode_t>(e.mode));
    archive_entry_set_uid(entry, 0);  // root's, as an archive made by root would say
    if (e.type == AE_IFLNK) archive_entry_set_symlink(entry, e.data.c_str());
    if (e.type == AE_IFREG) archive_entry_set_size(entry, static_cast<la_int64_t>(e.data.size()));
    REQUIRE(archive_write_header(a, entry) == ARCHIVE_OK);
    if (e.type == AE_IFREG && !e.data.empty()) {
      REQUIRE(archive_write_data(a, e.data.data(), e.data.size()) ==
              static_cast<la_ssize_t>(e.data.size()));
    }
    archive_entry_free(entry);
  }
  REQUIRE(archive_write_close(a) == ARCHIVE_OK);
  archive_write_free(a);
  return out;
}

struct TarRead {
  std::string data;  // contents; "<dir>" for a directory
  int mode = 0;
  int64_t uid = -1;
};

// The entries of a tar by path; a tar that does not parse fails the test.
std::map<std::string, TarRead> readTar(const std::string& tar) {
  std::map<std::string, TarRead> out;
  struct archive* a = archive_read_new();
  archive_read_support_format_tar(a);
  REQUIRE(archive_read_open_memory(a, tar.data(), tar.size()) == ARCHIVE_OK);
  struct archive_entry* entry;
  int rc;
  while ((rc = archive_read_next_header(a, &entry)) == ARCHIVE_OK) {
    TarRead r;
    r.mode = archive_entry_perm(entry);
    r.uid = archive_entry_uid(entry);
    if (archive_entry_filetype(entry) == AE_IFDIR) {
      r.data = "<dir>";
    } else {
      r.data.resize(static_cast<size_t>(archive_entry_size(entry)));
      if (!r.data.empty()) {
        REQUIRE(archive_read_data(a, r.data.data(), r.data.size()) ==
                static_cast<la_ssize_t>(r.data.size()));
      }
    }
    out[archive_entry_pathname(entry)] = std::move(r);
  }
  CHECK(rc == ARCHIVE_EOF);
  archive_read_free(a);
  return out;
}

std::vector<std::string> keys(const std::map<std::string, TarRead>& m) {
  std::vector<std::string> out;
  for (const auto& [k, v] : m) out.push_back(k);
  return out;
}

// What streamIn reported; checks that it did so once, and never inside the call.
mcf::base::Status streamIn(Fixture& f, const std::string& handle, const std::string& dir,
                           std::string tar, const std::string& user = "vcap") {
  int calls = 0;
  mcf::base::Status got;
  f.backend->streamIn(handle, dir, std::move(tar), user, [&](mcf::base::Status st) {
    ++calls;
    got = std::move(st);
  });
  CHECK(calls == 0);
  f.runUntil([&] { return calls > 0; });
  CHECK(calls == 1);
  return got;
}

mcf::base::Result<std::string> streamOut(Fixture& f, const std::string& handle,
                                         const std::string& path,
                                         const std::string& user = "vcap") {
  int calls = 0;
  mcf::base::Result<std::string> got = std::string();
  f.backend->streamOut(handle, path, user, [&](mcf::base::Result<std::string> r) {
    ++calls;
    got = std::move(r);
  });
  CHECK(calls == 0);
  f.runUntil([&] { return calls > 0; });
  CHECK(calls == 1);
  return got;
}

std::string errorOf(const mcf::base::Status& st) { return st.ok() ? "<ok>" : st.error().message; }

}  // namespace

TEST_CASE("linux: stream in as vcap makes the directory and vcap's files; stream out gives them back") {
  if (!privileged()) return;
  Fixture f;
  std::string h = f.create();
  std::string big(3 << 20, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>('a' + (i * 7919) % 26);
  std::string tar = makeTar({{"hello.txt", AE_IFREG, "hi there\n"},
                             {"sub", AE_IFDIR, "", 0755},
                             {"sub/run.sh", AE_IFREG, "#!/bin/sh\necho ran\n", 0755},
                             {"big.bin", AE_IFREG, big},
                             {"setuid", AE_IFREG, "x", 04755}});
  auto in = streamIn(f, h, "/home/vcap/x", tar);
  REQUIRE_MESSAGE(in.ok(), errorOf(in));
  Ran r = f.sh(h, "cd /home/vcap/x && cat hello.txt && sub/run.sh && wc -c <big.bin && "
                  "stat -c '%u:%g %a %n' . hello.txt sub sub/run.sh setuid");
  CHECK(r.err == "");
  CHECK(r.out ==
        "hi there\nran\n3145728\n"
        "2000:2000 755 .\n2000:2000 644 hello.txt\n2000:2000 755 sub\n2000:2000 755 sub/run.sh\n"
        "2000:2000 755 setuid\n");  // no set-uid bit kept

  auto dir = streamOut(f, h, "/home/vcap/x");
  REQUIRE_MESSAGE(dir.ok(), dir.error().message);
  auto entries = readTar(*dir);
  CHECK(keys(entries) == std::vector<std::string>{"x/", "x/big.bin", "x/hello.txt", "x/setuid",
                                                  "x/sub/", "x/sub/run.sh"});
  CHECK(entries["x/hello.txt"].data == "hi there\n");
  CHECK(entries["x/hello.txt"].uid == 2000);
  CHECK(entries["x/big.bin"].data == big);
  CHECK(entries["x/sub/run.sh"].mode == 0755);
  CHECK(entries["x/sub/"].data == "<dir>");

  // A file alone is one entry named after it; a trailing slash gives a directory's contents.
  auto file = streamOut(f, h, "/home/vcap/x/hello.txt");
  REQUIRE(file.ok());
  entries = readTar(*file);
  CHECK(keys(entries) == std::vector<std::string>{"hello.txt"});
  CHECK(entries["hello.txt"].data == "hi there\n");
  auto contents = streamOut(f, h, "/home/vcap/x/sub/");
  REQUIRE(contents.ok());
  CHECK(keys(readTar(*contents)) == std::vector<std::string>{"./", "./run.sh"});

  // Into an existing directory, as root: files are root's, the directory keeps its owner.
  auto root_in = streamIn(f, h, "/home/vcap/x", makeTar({{"./", AE_IFDIR, "", 0700},
                                                        {"./by-root", AE_IFREG, "r\n"}}),
                          "root");
  REQUIRE_MESSAGE(root_in.ok(), errorOf(root_in));
  CHECK(f.sh(h, "stat -c '%u %a %n' /home/vcap/x /home/vcap/x/by-root").out ==
        "2000 755 /home/vcap/x\n0 644 /home/vcap/x/by-root\n");
}

TEST_CASE("linux: a streamed-in tar never writes outside its directory, as vcap or root") {
  if (!privileged()) return;
  Fixture f;
  std::string h = f.create();
  std::string evil = makeTar({{"ok.txt", AE_IFREG, "fine\n"},
                              {"../mcf-stream-up", AE_IFREG, "escaped\n"},
                              {"/tmp/mcf-stream-abs", AE_IFREG, "escaped\n"},
                              {"link", AE_IFLNK, "/tmp"},
                              {"link/mcf-stream-through", AE_IFREG, "escaped\n"},
                              {"after.txt", AE_IFREG, "fine\n"}});
  for (std::string user : {"vcap", "root"}) {
    CAPTURE(user);
    std::string dir = "/home/vcap/" + user;
    auto in = streamIn(f, h, dir, evil, user);
    // tar skips the ".." entry, says so, and fails at the end; the harmless entries are there.
    REQUIRE_FALSE(in.ok());
    CHECK(in.error().message.find("cannot extract into " + dir + " in container " + h + " as " +
                                  user + " (exit status 2): ") == 0);
    CHECK(in.error().message.find("Member name contains '..'") != std::string::npos);
    Ran r = f.sh(h, "cd " + dir + " && cat ok.txt after.txt tmp/mcf-stream-abs; "
                 "ls /home/vcap /tmp | grep mcf-stream; echo end");
    CHECK(r.out == "fine\nfine\nescaped\nend\n");  // the absolute one lands under dir/tmp
  }
  CHECK_FALSE(pathExists("/tmp/mcf-stream-abs"));
  CHECK_FALSE(pathExists("/tmp/mcf-stream-through"));
  CHECK_FALSE(pathExists("/home/mcf-stream-up"));
  CHECK_FALSE(pathExists(f.depot + "/" + h + "/layer/home/mcf-stream-up"));
}

TEST_CASE("linux: stream in fails with tar's reason: read-only places, bad archives, no container") {
  if (!privileged()) return;
  Fixture f;
  std::string h = f.create();
  std::string tar = makeTar({{"f.txt", AE_IFREG, "x\n"}});
  auto usr = streamIn(f, h, "/usr", tar, "root");
  REQUIRE_FALSE(usr.ok());
  CHECK(usr.error().message ==
        "cannot extract into /usr in container " + h +
            " as root (exit status 2): tar: f.txt: Cannot open: Read-only file system");
  auto made = streamIn(f, h, "/usr/lib/mcf-new", tar);
  REQUIRE_FALSE(made.ok());
  CHECK(made.error().message.find("cannot extract into /usr/lib/mcf-new in container " + h +
                                  " as vcap (exit status 1): mkdir: ") == 0);
  CHECK(made.error().message.find("Read-only file system") != std::string::npos);
  CHECK_FALSE(pathExists("/usr/f.txt"));
  CHECK_FALSE(pathExists("/usr/lib/mcf-new"));

  auto garbage = streamIn(f, h, "/home/vcap/g", "this is not a tar archive\n");
  REQUIRE_FALSE(garbage.ok());
  CHECK(garbage.error().message.find("This does not look like a tar archive") != std::string::npos);

  auto nobody = streamIn(f, "no-such-container", "/home/vcap", tar);
  REQUIRE_FALSE(nobody.ok());
  CHECK(nobody.error().code == mcf::base::Errc::kNotFound);
  CHECK(nobody.error().message == "container no-such-container not found");
  // The container is still fine.
  CHECK(f.sh(h, "echo alive").out == "alive\n");
}

TEST_CASE("linux: stream out of a missing or unreadable path, or of no container, says why") {
  if (!privileged()) return;
  Fixture f;
  std::string h = f.create();
  auto missing = streamOut(f, h, "/home/vcap/nope");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().code == mcf::base::Errc::kNotFound);
  CHECK(missing.error().message ==
        "cannot read /home/vcap/nope in container " + h +
            " as vcap (exit status 2): tar: nope: Cannot stat: No such file or directory");

  // tar reads as the user: root's private file is not vcap's to read.
  REQUIRE(f.sh(h, "echo secret > /tmp/private && chmod 600 /tmp/private", "root").status == 0);
  auto denied = streamOut(f, h, "/tmp/private");
  REQUIRE_FALSE(denied.ok());
  CHECK(denied.error().message.find("Permission denied") != std::string::npos);
  auto as_root = streamOut(f, h, "/tmp/private", "root");
  REQUIRE(as_root.ok());
  CHECK(readTar(*as_root)["private"].data == "secret\n");

  auto stranger = streamOut(f, h, "/tmp", "nobody-here");
  REQUIRE_FALSE(stranger.ok());
  CHECK(stranger.error().message.find("nobody-here") != std::string::npos);
  auto unnamed = streamOut(f, h, "");
  REQUIRE_FALSE(unnamed.ok());
  CHECK(unnamed.error().message == "cannot read from container " + h + ": no path given");

  auto nobody = streamOut(f, "no-such-container", "/tmp");
  REQUIRE_FALSE(nobody.ok());
  CHECK(nobody.error().code == mcf::base::Errc::kNotFound);
}
