#include "harness/core/config.hpp"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <set>
#include <sstream>
#include <system_error>

#include "harness/core/benchmark.hpp"
#include "harness/core/chain_length.hpp"
#include "harness/core/regex.hpp"

namespace tcb {
namespace {

// ---- small helpers for messages ---------------------------------------------------------------

std::string join(const std::vector<std::string>& items, const char* sep = ", ") {
  std::string s;
  for (size_t i = 0; i < items.size(); ++i) s += (i ? sep : "") + items[i];
  return s;
}

std::string sub(const std::string& prefix, const std::string& key) { return prefix.empty() ? key : prefix + "." + key; }
std::string elem(const std::string& field, size_t i) { return field + "[" + std::to_string(i) + "]"; }

// What the user wrote, for "expected X, got Y" messages.
std::string describe(const YAML::Node& n) {
  if (!n.IsDefined() || n.IsNull()) return "nothing";
  if (n.IsSequence()) return "a list";
  if (n.IsMap()) return "a mapping";
  return "'" + n.Scalar() + "'";
}

const std::vector<long long> kIlps = {1, 2, 4, 8};

std::string fmt_seconds_range(double lo, double hi, const std::string& got) {
  std::ostringstream s;
  s << "must be between " << lo << " and " << hi << " seconds (got " << got << ")";
  return s.str();
}

std::string between(long long lo, long long hi, const std::string& got) {
  return "must be between " + std::to_string(lo) + " and " + std::to_string(hi) + " (got " + got + ")";
}

// A whole number too large for any integer type is still a number out of range, not "not an integer".
bool looks_like_integer(const std::string& s) {
  size_t i = (!s.empty() && (s[0] == '+' || s[0] == '-')) ? 1 : 0;
  if (i == s.size()) return false;
  for (; i < s.size(); ++i)
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
  return true;
}

// ---- the validating reader --------------------------------------------------------------------

class Reader {
 public:
  explicit Reader(std::string file) : file_(std::move(file)) {}

  SweepConfig read(const YAML::Node& root) const;

 private:
  [[noreturn]] void fail(const YAML::Node& at, const std::string& field, const std::string& msg) const {
    // An empty value ("enabled:") has no useful position of its own: point at its key instead.
    YAML::Mark mark = at.IsDefined() ? at.Mark() : YAML::Mark::null_mark();  // Mark() throws when undefined
    const auto key = key_marks_.find(field);
    if ((!at.IsDefined() || at.IsNull()) && key != key_marks_.end()) mark = key->second;
    // yaml-cpp marks are 0-based; a node without a position (null mark, line -1) gives 0 = unknown.
    throw ConfigError(file_, mark.line + 1, field, msg);
  }

  // Rejects keys outside `allowed` (typo protection) and repeated keys.
  void check_keys(const YAML::Node& map, const std::string& prefix, const std::vector<std::string>& allowed) const {
    std::set<std::string> seen;
    for (const auto& entry : map) {
      const YAML::Node key = entry.first;  // a copy: yaml-cpp iterators hand out temporaries
      if (!key.IsScalar()) fail(key, prefix, "keys must be plain names, got " + describe(key));
      const std::string k = key.Scalar();
      if (std::find(allowed.begin(), allowed.end(), k) == allowed.end())
        fail(key, sub(prefix, k), "unknown key (expected one of: " + join(allowed) + ")");
      if (!seen.insert(k).second) fail(key, sub(prefix, k), "given twice");
      key_marks_[sub(prefix, k)] = key.Mark();
    }
  }

  void need_map(const YAML::Node& n, const std::string& field) const {
    if (!n.IsMap()) fail(n, field, "expected a mapping, got " + describe(n));
  }

  void need_list(const YAML::Node& n, const std::string& field, bool allow_empty = false) const {
    if (!n.IsSequence()) fail(n, field, "expected a list, got " + describe(n));
    if (!allow_empty && n.size() == 0) fail(n, field, "must not be empty");
  }

  std::string str(const YAML::Node& n, const std::string& field) const {
    if (!n.IsScalar()) fail(n, field, "expected a string, got " + describe(n));
    return n.Scalar();
  }

  bool boolean(const YAML::Node& n, const std::string& field) const {
    bool v = false;
    if (!n.IsScalar() || !YAML::convert<bool>::decode(n, v)) fail(n, field, "expected true or false, got " + describe(n));
    return v;
  }

  long long integer(const YAML::Node& n, const std::string& field, FieldRange range) const {
    long long v = 0;
    if (!n.IsScalar() || !YAML::convert<long long>::decode(n, v)) {
      if (n.IsScalar() && looks_like_integer(n.Scalar())) fail(n, field, between(range.min, range.max, n.Scalar()));
      fail(n, field, "expected an integer, got " + describe(n));
    }
    if (v < range.min || v > range.max) fail(n, field, between(range.min, range.max, std::to_string(v)));
    return v;
  }

  double number(const YAML::Node& n, const std::string& field) const {
    double v = 0;
    if (!n.IsScalar() || !YAML::convert<double>::decode(n, v)) fail(n, field, "expected a number, got " + describe(n));
    return v;
  }

  std::vector<std::string> regexes(const YAML::Node& n, const std::string& field) const {
    need_list(n, field, /*allow_empty=*/true);
    std::vector<std::string> out;
    for (size_t i = 0; i < n.size(); ++i) {
      const std::string re = str(n[i], elem(field, i));
      const std::string problem = regex_problem(re);
      if (!problem.empty()) fail(n[i], elem(field, i), "invalid regular expression '" + re + "': " + problem);
      out.push_back(re);
    }
    return out;
  }

  std::vector<std::string> families(const YAML::Node& n, const std::string& field) const {
    need_list(n, field);
    std::vector<std::string> out;
    for (size_t i = 0; i < n.size(); ++i) {
      const std::string f = str(n[i], elem(field, i));
      const auto known = known_families();
      if (std::find(known.begin(), known.end(), f) == known.end())
        fail(n[i], elem(field, i), "'" + f + "' is not one of " + join(known));
      if (std::find(out.begin(), out.end(), f) != out.end()) fail(n[i], elem(field, i), "'" + f + "' is listed twice");
      out.push_back(f);
    }
    return out;
  }

  // A non-empty list of distinct integers in `range`, and among `allowed` when that is given.
  std::vector<int> int_set(const YAML::Node& n, const std::string& field, FieldRange range,
                           const std::vector<long long>& allowed = {}) const {
    need_list(n, field);
    std::vector<int> out;
    for (size_t i = 0; i < n.size(); ++i) {
      const long long v = integer(n[i], elem(field, i), range);
      if (!allowed.empty() && std::find(allowed.begin(), allowed.end(), v) == allowed.end()) {
        std::vector<std::string> names;
        for (long long a : allowed) names.push_back(std::to_string(a));
        fail(n[i], elem(field, i), std::to_string(v) + " is not one of " + join(names));
      }
      if (std::find(out.begin(), out.end(), int(v)) != out.end())
        fail(n[i], elem(field, i), std::to_string(v) + " is listed twice");
      out.push_back(int(v));
    }
    return out;
  }

  void latency(const YAML::Node& n, SweepConfig* c) const {
    const std::string p = "latency";
    need_map(n, p);
    check_keys(n, p, {"enabled", "steps"});
    if (n["enabled"]) c->latency = boolean(n["enabled"], sub(p, "enabled"));
    if (const YAML::Node s = n["steps"]) {
      const std::string f = sub(p, "steps");
      need_list(s, f);
      // Two chain lengths: latency = (cycles(long) - cycles(short)) / (long - short).
      if (s.size() != 2) fail(s, f, "expected two chain lengths [short, long], got " + std::to_string(s.size()));
      const long long lo = integer(s[0], elem(f, 0), kLatencyStepsRange);
      const long long hi = integer(s[1], elem(f, 1), kLatencyStepsRange);
      if (hi <= lo)
        fail(s[1], elem(f, 1), std::to_string(hi) + " is not greater than " + elem(f, 0) + " = " + std::to_string(lo) +
                                   " (two distinct chain lengths, ascending)");
      // The latency is the cycle difference divided by the length difference: lengths that round
      // to the same chain would divide by zero.
      if (chain_length(long(lo)) == chain_length(long(hi)))
        fail(s[1], elem(f, 1),
             "[" + std::to_string(lo) + ", " + std::to_string(hi) + "] both run chains of " +
                 std::to_string(chain_length(long(hi))) + " steps (each length is rounded up to an odd count, " +
                 "a granularity of " + std::to_string(kChainLengthGranularity) +
                 "), so their difference is zero; make the two lengths differ by at least " +
                 std::to_string(kChainLengthGranularity) + " after rounding");
      c->latency_steps = {long(lo), long(hi)};
    }
  }

  void throughput(const YAML::Node& n, SweepConfig* c) const {
    const std::string p = "throughput";
    need_map(n, p);
    check_keys(n, p, {"enabled", "warps_per_sm", "ilp", "steps"});
    if (n["enabled"]) c->throughput = boolean(n["enabled"], sub(p, "enabled"));
    if (n["warps_per_sm"]) c->warps_per_sm = int_set(n["warps_per_sm"], sub(p, "warps_per_sm"), kWarpsPerSmRange);
    if (n["ilp"]) c->ilp = int_set(n["ilp"], sub(p, "ilp"), {kIlps.front(), kIlps.back()}, kIlps);
    if (n["steps"]) c->throughput_steps = long(integer(n["steps"], sub(p, "steps"), kThroughputStepsRange));
  }

  // The energy family's settings (docs/energy.md).
  void energy(const YAML::Node& n, SweepConfig* c) const {
    const std::string p = "energy";
    need_map(n, p);
    check_keys(n, p, {"window_s"});
    if (const YAML::Node w = n["window_s"]) {
      const std::string f = sub(p, "window_s");
      const double v = number(w, f);
      if (!(v >= kEnergyWindowMinS && v <= kEnergyWindowMaxS))
        fail(w, f, fmt_seconds_range(kEnergyWindowMinS, kEnergyWindowMaxS, w.Scalar()));
      c->energy_window_s = v;
    }
  }

  std::string file_;
  mutable std::map<std::string, YAML::Mark> key_marks_;  // dotted field -> position of its key
};

SweepConfig Reader::read(const YAML::Node& root) const {
  SweepConfig c;
  c.source = file_;
  // An empty config would silently run the default sweep, which was hardly what its author meant.
  if (!root.IsDefined() || root.IsNull() || (root.IsMap() && root.size() == 0))
    fail(root, "",
         "the config holds no settings (the file is empty, comments only, a bare '---' or '{}'); "
         "to run the default sweep, leave out --config");
  if (!root.IsMap()) fail(root, "", "expected a mapping of settings at the top level, got " + describe(root));
  check_keys(root, "", {"name", "families", "include", "exclude", "data", "repetitions", "warmup", "latency",
                        "throughput", "clock_tolerance", "energy", "cupti_check_every"});

  if (root["name"]) {
    c.name = str(root["name"], "name");
    if (c.name.empty()) fail(root["name"], "name", "must not be empty");
  }
  if (root["families"]) c.families = families(root["families"], "families");
  if (root["include"]) c.include = regexes(root["include"], "include");
  if (root["exclude"]) c.exclude = regexes(root["exclude"], "exclude");
  if (const YAML::Node d = root["data"]) {
    if (!parse_data_mode(str(d, "data"), &c.data))
      fail(d, "data", describe(d) + " is not one of random, exact, zeros");
  }
  if (root["repetitions"]) c.repetitions = int(integer(root["repetitions"], "repetitions", kRepetitionsRange));
  if (root["warmup"]) c.warmup = int(integer(root["warmup"], "warmup", kWarmupRange));
  if (root["cupti_check_every"])
    c.cupti_check_every = int(integer(root["cupti_check_every"], "cupti_check_every", kCuptiCheckEveryRange));
  if (root["latency"]) latency(root["latency"], &c);
  if (root["throughput"]) throughput(root["throughput"], &c);
  if (const YAML::Node t = root["clock_tolerance"]) {
    const double v = number(t, "clock_tolerance");
    if (!(v > 0 && v <= 1))
      fail(t, "clock_tolerance", "must be between 0 (exclusive) and 1 (got " + t.Scalar() + ")");
    c.clock_tolerance = v;
  }
  if (root["energy"]) energy(root["energy"], &c);
  return c;
}

std::string what_message(const std::string& file, int line, const std::string& field, const std::string& message) {
  std::string s = file;
  if (line > 0) s += ":" + std::to_string(line);
  s += ": ";
  if (!field.empty()) s += "field '" + field + "': ";
  return s + message;
}

// "configs/full.yaml" -> "full": the run name when the file does not set one.
std::string stem(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  const size_t dot = base.rfind('.');
  return dot == std::string::npos || dot == 0 ? base : base.substr(0, dot);
}

}  // namespace

std::vector<std::string> known_families() { return core::family_names(); }
std::vector<std::string> default_families() { return core::default_family_names(); }

ConfigError::ConfigError(std::string file_, int line_, std::string field_, const std::string& message)
    : std::runtime_error(what_message(file_, line_, field_, message)),
      file(std::move(file_)),
      field(std::move(field_)),
      line(line_) {}

namespace {

// The 1-based line of the '---' that opens a second document; 0 when there is none.
int second_document_line(const std::string& yaml) {
  std::istringstream in(yaml);
  std::string line;
  bool content = false, opened = false;  // the first document had content / an explicit '---'
  for (int number = 1; std::getline(in, line); ++number) {
    if (line.compare(0, 3, "---") == 0 && (line.size() == 3 || std::isspace(static_cast<unsigned char>(line[3])))) {
      if (content || opened) return number;
      opened = true;
      continue;
    }
    const size_t first = line.find_first_not_of(" \t\r");
    if (first != std::string::npos && line[first] != '#' && line[first] != '%' && line.compare(first, 3, "...") != 0)
      content = true;
  }
  return 0;
}

// Parser events, ignored: the documents are only counted.
struct IgnoreEvents : YAML::EventHandler {
  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

// The documents of the text, counted up to `limit`. Not YAML::LoadAll: yaml-cpp 0.7's LoadAll
// never returns on a document that begins with ',' (after an optional tag or anchor); it appends
// empty documents until memory runs out (jbeder/yaml-cpp#1040, fixed upstream by #1319).
int count_documents(const std::string& yaml, int limit) {
  std::istringstream in(yaml);
  YAML::Parser parser(in);
  IgnoreEvents events;
  int n = 0;
  while (n < limit && parser.HandleNextDocument(events)) ++n;
  return n;
}

// The 1-based line of the text's first content (not blank, a comment, a directive or a marker).
int first_content_line(const std::string& yaml) {
  std::istringstream in(yaml);
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    const size_t first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos || line[first] == '#' || line[first] == '%') continue;
    if (line.compare(first, 3, "---") == 0 || line.compare(first, 3, "...") == 0) {
      const size_t rest = line.find_first_not_of(" \t\r", first + 3);
      if (rest == std::string::npos || line[rest] == '#') continue;
    }
    return number;
  }
  return 0;
}

// The one YAML document of a config (a null node when there is none).
YAML::Node parse_yaml(const std::string& yaml, const std::string& name) {
  int documents = 0;
  YAML::Node root;
  try {
    documents = count_documents(yaml, 2);
    root = YAML::Load(yaml);  // the first document
  } catch (const YAML::Exception& e) {  // ParserException and friends carry the position
    throw ConfigError(name, e.mark.is_null() ? 0 : e.mark.line + 1, "", "YAML syntax error: " + e.msg);
  }
  if (documents > 1) {
    const int line = second_document_line(yaml);
    // Two documents without a separator: the endless empty documents of the yaml-cpp bug above.
    if (line == 0)
      throw ConfigError(name, first_content_line(yaml), "",
                        "YAML syntax error: no value can be read where the document begins (a stray ','?)");
    // A second document would be ignored: half of what the author wrote would not run.
    throw ConfigError(name, line, "", "a second YAML document (after a '---' separator); a config is one document");
  }
  return documents == 0 ? YAML::Node(YAML::NodeType::Null) : root;
}

}  // namespace

SweepConfig load_config_text(const std::string& yaml, const std::string& name) {
  return Reader(name).read(parse_yaml(yaml, name));
}

SweepConfig load_config_file(const std::string& path) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (std::filesystem::is_directory(status))
    throw ConfigError(path, 0, "", "is a directory, not a YAML config file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError(path, 0, "", "cannot open the file: " + std::generic_category().message(errno));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw ConfigError(path, 0, "", "cannot read the file");
  const YAML::Node root = parse_yaml(text.str(), path);
  SweepConfig c = Reader(path).read(root);
  if (!(root.IsMap() && root["name"])) c.name = stem(path);
  return c;
}

const std::string& embedded_default_config() {
  // default_config.inc is configs/default.yaml as a raw string literal, generated by the build.
  static const char* kText =
#include "default_config.inc"
      ;
  static const std::string text = kText;
  return text;
}

}  // namespace tcb
