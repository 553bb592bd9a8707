// InfiniTensor's PerfEngine loader, reproduced to test `tcbench export infinitensor` against the
// consumer (docs/exporters/infinitensor.md). Given a perf_engine.json it
//   1. loads it the way PerfEngine::loadPerfEngineData does (`filein >> t; json::parse(t)`, then
//      j["data"].get<map<Key, PerfRecord>>() through the same to_json/from_json overloads);
//   2. checks every key against the one the CUDA runtime builds for that MatMul (KernelAttrs
//      {CUDA, MatMul} and OperatorObj::getOpPerfKey: workload vector and hash), every record is a
//      cuBLAS MatMul record (type 2) with an id InfiniTensor's tuner tries and a positive time,
//      and no key repeats (the map would keep only the first);
//   3. writes the loaded map back the way savePerfEngineData does and requires the file's bytes.
// Exit 0 when all hold; 1, with "rejected: <why>", otherwise.
//
// The InfiniTensor parts (namespace infini) are excerpts of InfiniTensor at
// 5cb7c1fc9d01e53ace9013667295307f13907e7a (https://github.com/InfiniTensor/InfiniTensor, Apache
// License 2.0, the text beside this file as InfiniTensor-LICENSE), trimmed to the MatMul path:
// include/core/{runtime.h,operator.h,hash.h,kernel.h,perf_engine.h}, src/core/{perf_engine.cc,
// operator.cc}, src/operators/matmul.cc, src/kernels/cuda/matmul.cc. Changes: OpType reduced to
// its MatMul value, the registry reduced to a map, PerfEngine's singleton to a plain map.
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdint>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

namespace infini {
using json = nlohmann::json;
using std::map;
using std::pair;
using std::string;
using std::vector;
template <typename T>
using Ref = std::shared_ptr<T>;
using HashType = uint64_t;

enum class Device { CPU = 1, CUDA, BANG, INTELCPU, KUNLUN, ASCEND };  // runtime.h:35
constexpr uint16_t kOpMatMul = 90;                                    // OpType::MatMul (op_type.h)
using KernelAttrs = std::tuple<Device, uint16_t>;                     // operator.h:7

inline HashType hashAppend(HashType a, HashType b) { return (a * 10000019 + b * 10000079) % 2147483647; }
template <typename T>
inline HashType hashVector(const vector<T>& vec) {
  HashType ret = 0;
  for (auto v : vec) ret = hashAppend(ret, v);
  return ret;
}

struct OpPerfKey {  // operator.h:9-43
  HashType hash;
  uint16_t opType;
  vector<int> attrs;
  OpPerfKey() = default;
  OpPerfKey(HashType hash, uint16_t opType, vector<int> attrs = {}) : hash(hash), opType(opType), attrs(attrs) {}
  bool operator==(const OpPerfKey& rhs) const { return hash == rhs.hash && opType == rhs.opType && attrs == rhs.attrs; }
  bool operator<(const OpPerfKey& rhs) const {
    if (hash != rhs.hash) return hash < rhs.hash;
    if (opType != rhs.opType) return opType < rhs.opType;
    if (attrs.size() != rhs.attrs.size()) return attrs.size() < rhs.attrs.size();
    for (size_t i = 0; i < attrs.size(); ++i)
      if (attrs[i] != rhs.attrs[i]) return attrs[i] < rhs.attrs[i];
    return false;
  }
};

struct PerfRecordObj {  // kernel.h:13-28
  PerfRecordObj() {}
  virtual ~PerfRecordObj() {}
  double time = 0;  // in milliseconds
  virtual void to_json(json& j) {
    j["type"] = 0;
    j["data"] = time;
  }
  static Ref<PerfRecordObj> from_json(const json& j) {
    PerfRecordObj tmp;
    tmp.time = j["data"].get<int>();
    return std::make_shared<PerfRecordObj>(tmp);
  }
};
using PerfRecord = Ref<PerfRecordObj>;

struct MatmulCublasPerfRecordObj : public PerfRecordObj {  // src/kernels/cuda/matmul.cc:10-23
  int algo = -1;                                           // CUBLAS_GEMM_DEFAULT
  void to_json(json& j) override {
    j["type"] = 2;
    j["data"] = std::make_pair(algo, time);
  }
  static PerfRecord from_json(const json& j) {
    MatmulCublasPerfRecordObj tmp;
    auto pr = j["data"].get<pair<int, double>>();
    tmp.algo = pr.first;
    tmp.time = pr.second;
    return std::make_shared<MatmulCublasPerfRecordObj>(tmp);
  }
};

// REGISTER_CONSTRUCTOR(0, ...) in perf_engine.cc, (2, ...) in matmul.cc; conv's type 1 is not needed.
const map<int, std::function<PerfRecord(const json&)>> kConstructors = {
    {0, PerfRecordObj::from_json}, {2, MatmulCublasPerfRecordObj::from_json}};

using Key = std::pair<KernelAttrs, OpPerfKey>;  // perf_engine.h:12

// perf_engine.cc:25-48
void to_json(json& j, const OpPerfKey& p) { j = json{{"hashType", p.hash}, {"opType", p.opType}, {"attrs", p.attrs}}; }
void from_json(const json& j, OpPerfKey& p) {
  j.at("hashType").get_to(p.hash);
  j.at("opType").get_to(p.opType);
  j.at("attrs").get_to(p.attrs);
}
void to_json(json& j, const PerfRecord& p) { p->to_json(j); }
void from_json(const json& j, PerfRecord& p) {
  int type = j["type"].get<int>();
  p = kConstructors.at(type)(j);
}

// PerfEngine::loadPerfEngineData: one whitespace-delimited token, parsed, then the map.
map<Key, PerfRecord> loadPerfEngineData(const string& file_path) {
  std::ifstream filein(file_path, std::ios::in | std::ios::binary);
  string t;
  filein >> t;
  json j = json::parse(t);
  return j["data"].get<map<Key, PerfRecord>>();
}

// PerfEngine::savePerfEngineData, into a string.
string savePerfEngineData(const map<Key, PerfRecord>& data) {
  json t;
  t["data"] = data;
  std::ostringstream fileout;
  fileout << t << std::endl;
  return fileout.str();
}

// MatmulObj::getWorkloadVector + OperatorObj::getOpPerfKey, for a MatMul without activation.
OpPerfKey matmulKey(int b, int m, int n, int k, int transA, int transB, int act) {
  vector<int> w = {kOpMatMul, b, m, n, k, transA, transB, act};
  HashType hash = 0;
  hash = hashAppend(hash, kOpMatMul);
  hash = hashAppend(hash, hashVector(w));
  return OpPerfKey(hash, kOpMatMul, w);
}
}  // namespace infini

namespace {

using namespace infini;

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// Why the loaded entry is not a record tcbench means to write, or "".
std::string entry_problem(const Key& key, const PerfRecord& record) {
  const auto& a = key.second.attrs;
  if (key.first != KernelAttrs{Device::CUDA, kOpMatMul}) return "KernelAttrs is not {CUDA, MatMul}";
  if (a.size() != 8 || a[0] != kOpMatMul) return "attrs is not a MatMul workload vector";
  if (!(key.second == matmulKey(a[1], a[2], a[3], a[4], a[5], a[6], a[7])))
    return "hashType/opType differ from the key the runtime computes";
  const auto cublas = std::dynamic_pointer_cast<MatmulCublasPerfRecordObj>(record);
  if (!cublas) return "record is not a cuBLAS MatMul record (type 2)";
  if (cublas->algo < 0 || cublas->algo > 23) return "algo is not one of CUBLAS_GEMM_ALGO0..23";
  if (!(std::isfinite(cublas->time) && cublas->time > 0)) return "time is not a positive number of ms";
  return "";
}

int check(const std::string& path) {
  const map<Key, PerfRecord> data = loadPerfEngineData(path);
  const std::string text = read_file(path);
  if (data.size() != nlohmann::json::parse(text)["data"].size()) {
    std::cout << "rejected: a key repeats (the loader keeps only its first record)\n";
    return 1;
  }
  for (const auto& [key, record] : data) {
    const std::string problem = entry_problem(key, record);
    if (problem.empty()) continue;
    std::cout << "rejected: entry with hashType " << key.second.hash << ": " << problem << "\n";
    return 1;
  }
  if (savePerfEngineData(data) != text) {
    std::cout << "rejected: savePerfEngineData writes the loaded records as other bytes than the file's\n";
    return 1;
  }
  std::cout << "loaded " << data.size() << " cuBLAS MatMul records from " << path
            << "; every key is the runtime's; saving them again gives the file's bytes\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: " << argv[0] << " perf_engine.json\n";
    return 2;
  }
  try {
    return check(argv[1]);
  } catch (const std::exception& e) {
    std::cout << "rejected: " << e.what() << "\n";
    return 1;
  }
}
