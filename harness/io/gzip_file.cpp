#include "harness/io/gzip_file.hpp"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>

namespace tcb {

void write_gzip_file(const std::string& path, const std::string& content) {
  const std::string tmp = path + ".tmp";
  gzFile f = gzopen(tmp.c_str(), "wb9");
  if (!f) throw std::runtime_error("cannot create '" + tmp + "': " + std::strerror(errno));
  bool ok = true;
  for (size_t at = 0; ok && at < content.size();) {  // gzwrite takes an unsigned count
    const unsigned chunk = unsigned(std::min<size_t>(content.size() - at, 1u << 30));
    ok = gzwrite(f, content.data() + at, chunk) == int(chunk);
    at += chunk;
  }
  int errnum = 0;
  const std::string why = ok ? "" : gzerror(f, &errnum);
  if (gzclose(f) != Z_OK) ok = false;
  if (ok && std::rename(tmp.c_str(), path.c_str()) != 0) ok = false;
  if (!ok) {
    std::remove(tmp.c_str());
    throw std::runtime_error("cannot write '" + path + "'" + (why.empty() ? "" : ": " + why));
  }
}

std::string read_gzip_file(const std::string& path) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) throw std::runtime_error("cannot open '" + path + "': " + std::strerror(errno));
  std::string out;
  char buf[1 << 16];
  int n;
  while ((n = gzread(f, buf, sizeof buf)) > 0) out.append(buf, size_t(n));
  int errnum = 0;
  const std::string why = n < 0 ? gzerror(f, &errnum) : "";
  gzclose(f);
  if (n < 0) throw std::runtime_error("cannot read '" + path + "': " + why);
  return out;
}

}  // namespace tcb
