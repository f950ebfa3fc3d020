// Writing output files so that a failure never leaves a half-written file: the content goes to a
// temporary file beside the target, which is renamed over the target only once complete.
//
// What the target is decides how: a new path or a regular file is replaced atomically; a symlink
// is followed, so the file it points to is replaced and the link stays; a device, FIFO or socket
// (/dev/null, /dev/stdout, a pipe) is written in place, as renaming over it would replace the node;
// a directory is an error.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace ccsim {

// Writes `content` to `path` atomically. Throws std::runtime_error naming the path on failure.
void write_file_atomic(const std::string& path, std::string_view content);

// Several output files of one command, written all or none: each is staged to a temporary file
// beside its target, and only once every one is staged are they renamed into place. A command
// whose third output cannot be written leaves neither the first nor the second behind.
class OutputFiles {
 public:
  OutputFiles() = default;
  OutputFiles(const OutputFiles&) = delete;
  OutputFiles& operator=(const OutputFiles&) = delete;
  ~OutputFiles();  // removes whatever was staged and not committed

  // Stages one file now (throws std::runtime_error naming the path if it cannot be written).
  void add(const std::string& path, std::string_view content);
  // Renames every staged file into place.
  void commit();

 private:
  struct Staged {
    std::string path;         // as the user named it, for messages
    std::string destination;  // the file it resolves to (through symlinks)
    std::string temp;         // the staged content; empty for a device or FIFO, written at commit
    std::string content;      // a device's or FIFO's content
  };
  std::vector<Staged> staged_;
};

// Reads a whole file. Throws std::runtime_error naming the path if it cannot be read.
std::string read_file(const std::string& path);

// Why `path` is not an existing file system entry: "" when it is, else "no such file" or the
// system's reason (a name too long, a directory on the way that cannot be searched). Never throws:
// std::filesystem::exists without an error_code throws filesystem_error for those, whose text
// names no input file.
std::string missing_file_reason(const std::string& path);

}  // namespace ccsim
