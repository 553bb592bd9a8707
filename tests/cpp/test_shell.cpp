// harness/shell: where external tools are found. scripts/setup.sh installs cuobjdump and
// nvdisasm from NVIDIA's PyPI wheels (site-packages/nvidia/cu13/bin) on machines whose CUDA
// toolkit lacks them; tcbench must find them there without PATH changes.
#include "harness/io/shell.hpp"

#include <gtest/gtest.h>

#include "tests/cpp/test_support.hpp"
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace tcb {
namespace {

using tcb::test::TempDir;
using tcb::test::ScopedEnv;
using tcb::test::write_script;

namespace fs = std::filesystem;

// A machine like the one setup.sh leaves behind: a python3 (a stand-in on PATH) whose `nvidia`
// package holds wheel folders with a bin/ each, and no CUDA toolkit copy of the tool.
struct WheelMachine {
  TempDir tmp;
  fs::path site = tmp.path / "site-packages" / "nvidia";
  ScopedEnv path{"PATH", (tmp.path / "bin").string() + ":/usr/bin:/bin"};
  ScopedEnv cuda{"CUDA_HOME", (tmp.path / "no-cuda").string()};
  WheelMachine() {
    // Answers `python3 -c <script>` as the real one does when the wheels are installed.
    write_script(tmp.path / "bin" / "python3", "echo '" + site.string() + "'");
    fs::create_directories(site);
  }
  fs::path wheel_tool(const std::string& wheel, const std::string& name, bool executable = true) {
    const fs::path p = site / wheel / "bin" / name;
    write_script(p, "exit 0", executable);
    return p;
  }
};

TEST(ToolLookup, FindsAToolInAnNvidiaWheelBinFolder) {
  WheelMachine m;
  const fs::path tool = m.wheel_tool("cu13", "tcb-fake-cuobjdump");
  EXPECT_EQ(locate_tool("tcb-fake-cuobjdump"), tool.string());
}

TEST(ToolLookup, TakesTheFirstWheelFolderInNameOrderAndSkipsNonExecutables) {
  WheelMachine m;
  m.wheel_tool("cu12", "tcb-fake-nvdisasm", /*executable=*/false);
  const fs::path tool = m.wheel_tool("cu13", "tcb-fake-nvdisasm");
  m.wheel_tool("cuda_nvdisasm", "tcb-fake-nvdisasm");
  EXPECT_EQ(locate_tool("tcb-fake-nvdisasm"), tool.string());
}

TEST(ToolLookup, PathAndCudaHomeComeBeforeTheWheels) {
  WheelMachine m;
  m.wheel_tool("cu13", "tcb-fake-tool");
  const fs::path cuda_tool = m.tmp.path / "no-cuda" / "bin" / "tcb-fake-tool";
  write_script(cuda_tool, "exit 0");
  EXPECT_EQ(locate_tool("tcb-fake-tool"), cuda_tool.string());
  const fs::path path_tool = m.tmp.path / "bin" / "tcb-fake-tool";
  write_script(path_tool, "exit 0");
  EXPECT_EQ(locate_tool("tcb-fake-tool"), path_tool.string());
}

// The toolkit that built tcbench (TCB_CUDA_BIN_DIR: the CUDA compiler's bin) comes after PATH and
// before $CUDA_HOME: a Volta build's CUDA 12 cuobjdump must read its sm_70 code even where CUDA 13
// is at $CUDA_HOME. Its nvcc stands in for cuobjdump (every toolkit has it).
TEST(ToolLookup, TheBuildingToolkitComesAfterPathAndBeforeCudaHome) {
#ifndef TCB_CUDA_BIN_DIR
  GTEST_SKIP() << "built without TCB_CUDA_BIN_DIR";
#else
  WheelMachine m;
  const std::string toolkit_nvcc = std::string(TCB_CUDA_BIN_DIR) + "/nvcc";
  if (!fs::exists(toolkit_nvcc)) GTEST_SKIP() << "no nvcc at " << toolkit_nvcc;
  for (const char* dir : {"/usr/bin", "/bin"})
    if (fs::exists(fs::path(dir) / "nvcc")) GTEST_SKIP() << dir << "/nvcc is on this test's PATH";
  write_script(m.tmp.path / "no-cuda" / "bin" / "nvcc", "exit 0");
  EXPECT_EQ(locate_tool("nvcc"), toolkit_nvcc);
  const fs::path path_tool = m.tmp.path / "bin" / "nvcc";
  write_script(path_tool, "exit 0");
  EXPECT_EQ(locate_tool("nvcc"), path_tool.string());
#endif
}

TEST(ToolLookup, NothingFoundWhenPythonHasNoNvidiaPackage) {
  WheelMachine m;
  m.wheel_tool("cu13", "tcb-fake-tool");
  write_script(m.tmp.path / "bin" / "python3", "echo 'ModuleNotFoundError' >&2; exit 1");
  EXPECT_EQ(locate_tool("tcb-fake-tool"), "");
  EXPECT_EQ(locate_tool("tcb-no-such-tool-xyz"), "");
  EXPECT_EQ(locate_tool(""), "");
}

TEST(ToolLookup, APathIsTakenAsGiven) {
  WheelMachine m;
  const fs::path tool = m.wheel_tool("cu13", "tcb-fake-tool");
  EXPECT_EQ(locate_tool(tool.string()), tool.string());
  EXPECT_EQ(locate_tool((m.tmp.path / "missing" / "tcb-fake-tool").string()), "");
}

TEST(ToolLookup, TheNotFoundTextNamesEveryPlace) {
  const std::string places = kToolSearchPlaces;
  for (const char* place : {"PATH", "building toolkit", "$CUDA_HOME/bin", "/usr/local/cuda/bin", "nvidia", "pip install"})
    EXPECT_NE(places.find(place), std::string::npos) << place;
}

}  // namespace
}  // namespace tcb
