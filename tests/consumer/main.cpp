// cost_table_consumer TABLE: prints a few figures of a cost table, or the loader's error (exit 1).
#include <iostream>

#include <tcbench/cost_table.hpp>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: cost_table_consumer cost_table.json\n";
    return 2;
  }
  try {
    const tcbench::CostTable table = tcbench::load_cost_table(argv[1]);
    const tcbench::MemoryLevel* dram = table.level("dram");
    std::cout << "device: " << table.device.name << "\n"
              << "instructions: " << table.instructions.size() << "\n"
              << "dram_bandwidth_gbs: " << (dram && dram->bandwidth_gbs ? *dram->bandwidth_gbs : 0.0) << "\n"
              << "best_dense_f16_tflops: " << table.best_dense_tflops("f16").value_or(0.0) << "\n";
  } catch (const tcbench::CostTableError& e) {
    std::cerr << e.what() << "\n";
    return 1;
  }
  return 0;
}
