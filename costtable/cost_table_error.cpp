#include "tcbench/cost_table.hpp"

namespace tcbench {
namespace {

std::string message(const std::string& source, const std::string& field, const std::string& problem) {
  return source + ": " + (field.empty() ? "" : field + ": ") + problem;
}

}  // namespace

CostTableError::CostTableError(std::string source, std::string field, std::string problem)
    : std::runtime_error(message(source, field, problem)),
      source_(std::move(source)),
      field_(std::move(field)),
      problem_(std::move(problem)) {}

}  // namespace tcbench
