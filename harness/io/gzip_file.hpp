// gzip files written and read with zlib: the SASS dumps and numerics samples are committed
// compressed, and are written that way directly (no separate compression step to forget).
#pragma once
#include <string>

namespace tcb {

// Writes `content` gzip-compressed (level 9, no time stamp: the same content gives the same
// bytes) to `path` through a temporary name, so the file is whole or absent. Throws
// std::runtime_error naming the file on any error.
void write_gzip_file(const std::string& path, const std::string& content);

// The decompressed content of a gzip file (a plain file is returned as it is). Throws
// std::runtime_error naming the file when it cannot be read.
std::string read_gzip_file(const std::string& path);

}  // namespace tcb
