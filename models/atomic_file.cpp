#include "models/atomic_file.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace ccsim {
namespace {

namespace fs = std::filesystem;

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw std::runtime_error(path + ": " + what);
}

[[noreturn]] void fail_errno(const std::string& path, const std::string& what) {
  fail(path, what + ": " + std::strerror(errno));
}

void write_all(int fd, std::string_view content, const std::string& path) {
  while (!content.empty()) {
    const ssize_t n = ::write(fd, content.data(), content.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) fail_errno(path, "write failed");
    content.remove_prefix(static_cast<std::size_t>(n));
  }
}

// Where the content goes: the file a symlink chain ends at, and whether it is a special file.
struct Destination {
  std::string path;
  bool special = false;
};

Destination destination(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno != ENOENT) fail_errno(path, "cannot write");
    // A new file, or a dangling symlink: write where the link points.
    std::error_code ec;
    const fs::path link = fs::read_symlink(path, ec);
    if (ec) return {path, false};
    return {(link.is_absolute() ? link : fs::path(path).parent_path() / link).string(), false};
  }
  if (S_ISDIR(st.st_mode)) fail(path, "is a directory");
  if (!S_ISREG(st.st_mode)) return {path, true};
  std::error_code ec;
  const fs::path real = fs::canonical(path, ec);
  return {ec ? path : real.string(), false};
}

void write_in_place(const std::string& path, std::string_view content) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) fail_errno(path, "cannot open for writing");
  try {
    write_all(fd, content, path);
  } catch (...) {
    ::close(fd);
    throw;
  }
  ::close(fd);
}

// Writes the content to a new temporary file beside `target`; returns its path.
std::string stage(const std::string& shown, const std::string& target, std::string_view content) {
  std::string name = target + ".tmp.XXXXXX";
  const int fd = ::mkstemp(name.data());
  if (fd < 0) fail_errno(shown, "cannot create file");
  try {
    write_all(fd, content, shown);
    // mkstemp makes the file 0600; give it the mode a new file gets (0666 less the umask).
    const mode_t mask = ::umask(0);
    ::umask(mask);
    ::fchmod(fd, 0666 & ~mask);
  } catch (...) {
    ::close(fd);
    std::remove(name.c_str());
    throw;
  }
  if (::close(fd) != 0) {
    std::remove(name.c_str());
    fail_errno(shown, "write failed");
  }
  return name;
}

void move_into_place(const std::string& shown, const std::string& temp, const std::string& target) {
  if (std::rename(temp.c_str(), target.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    std::remove(temp.c_str());
    fail(shown, "cannot rename temporary file into place: " + why);
  }
}

}  // namespace

void write_file_atomic(const std::string& path, std::string_view content) {
  OutputFiles out;
  out.add(path, content);
  out.commit();
}

OutputFiles::~OutputFiles() {
  for (const Staged& s : staged_) {
    if (!s.temp.empty()) std::remove(s.temp.c_str());
  }
}

void OutputFiles::add(const std::string& path, std::string_view content) {
  const Destination d = destination(path);
  if (d.special) {
    staged_.push_back({path, d.path, "", std::string(content)});
  } else {
    staged_.push_back({path, d.path, stage(path, d.path, content), ""});
  }
}

void OutputFiles::commit() {
  std::vector<Staged> files;
  files.swap(staged_);  // from here on nothing is removed by the destructor
  for (std::size_t i = 0; i < files.size(); ++i) {
    const Staged& s = files[i];
    try {
      if (s.temp.empty()) {
        write_in_place(s.path, s.content);
      } else {
        move_into_place(s.path, s.temp, s.destination);
      }
    } catch (...) {
      for (std::size_t k = i + 1; k < files.size(); ++k) {
        if (!files[k].temp.empty()) std::remove(files[k].temp.c_str());
      }
      throw;
    }
  }
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot open: " + std::strerror(errno));
  // Read in place into a string of the file's size (one copy; a stream buffer would grow and copy
  // a 60 MB ONNX file several times), then whatever a pipe or a growing file still holds.
  std::string data;
  std::error_code size_error;
  const auto size = std::filesystem::file_size(path, size_error);
  if (!size_error) {
    data.resize(size);
    in.read(data.data(), static_cast<std::streamsize>(size));
    data.resize(static_cast<std::size_t>(in.gcount()));
  }
  char chunk[1 << 16];
  while (in && (in.read(chunk, sizeof chunk), in.gcount() > 0)) data.append(chunk, static_cast<std::size_t>(in.gcount()));
  if (in.bad()) throw std::runtime_error(path + ": read failed");
  return data;
}

std::string missing_file_reason(const std::string& path) {
  std::error_code error;
  const bool there = std::filesystem::exists(path, error);
  if (error) return error.message();
  return there ? std::string() : std::string("no such file");
}

}  // namespace ccsim
