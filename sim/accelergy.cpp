#include "sim/accelergy.hpp"

#include <utility>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "sim/sweep.hpp"  // format_number

namespace ccsim::cli {
namespace {

struct Action {
  const char* name;
  double pJ;
};

std::string instances(const char* name, std::int64_t count) {
  return std::string("ccsim.") + name + "[1.." + std::to_string(count) + "]";
}

double leak_per_cycle_pJ(double um2, double mW_per_mm2, double clock_mhz) { return hw::leakage_pJ(um2, mW_per_mm2, 1, clock_mhz); }

void table(YAML::Emitter& out, const std::string& name, const std::vector<Action>& actions) {
  out << YAML::BeginMap << YAML::Key << "name" << YAML::Value << name << YAML::Key << "actions" << YAML::Value << YAML::BeginSeq;
  for (const auto& a : actions) {
    out << YAML::BeginMap << YAML::Key << "name" << YAML::Value << a.name << YAML::Key << "arguments" << YAML::Value
        << YAML::Flow << YAML::BeginMap << YAML::EndMap << YAML::Key << "energy" << YAML::Value << a.pJ << YAML::EndMap;
  }
  out << YAML::EndSeq << YAML::EndMap;
}

}  // namespace

std::string accelergy_ert(const hw::AcceleratorConfig& config, const hw::AreaBreakdown& area, const hw::EnergyTable& t,
                          double clock_mhz) {
  const hw::ArrayConfig& a = config.array;
  const std::int64_t cells = area.arrays * a.rows * a.cols;
  const double cell_um2 = area.cell.total_um2();
  YAML::Emitter out;
  out.SetDoublePrecision(10);
  const bool parallel = a.mac == hw::MacKind::BitParallel;
  const double select_pJ = t.mux_pJ + hw::ceil_log2(a.alpha_max) * t.mux2_pJ;  // one bit through the multiplexer
  out << YAML::Comment(std::string("ccsim energy reference table: pJ per action; mx_cell ") +
                       (parallel ? "mac per busy MAC slot (a bit-parallel multiply" : "mac_bit per busy bit cycle (") +
                       " with the multiplexer), psum_add per busy MAC slot, buffers and DRAM per byte, clock and leak per cycle at " +
                       format_number(clock_mhz) + " MHz");
  out << YAML::BeginMap << YAML::Key << "ERT" << YAML::Value << YAML::BeginMap << YAML::Key << "version" << YAML::Value
      << YAML::SingleQuoted << "0.4" << YAML::Key << "tables" << YAML::Value << YAML::BeginSeq;
  table(out, instances("mx_cell", cells),
        {parallel ? Action{"mac", hw::mac_pJ_per_slot(a, t, area.cell.weight_bits) + a.data_bits * select_pJ}
                  : Action{"mac_bit", t.mac_bit_pJ + select_pJ},
         {"psum_add", t.psum_add_pJ},
         {"clock", area.cell.register_bits * t.register_bit_clock_pJ},
         {"leak", leak_per_cycle_pJ(cell_um2, t.logic_leakage_mW_per_mm2, clock_mhz)}});
  table(out, instances("accumulator", area.arrays),
        {{"read", t.acc_access_pJ},
         {"write", t.acc_access_pJ},
         {"leak", leak_per_cycle_pJ(area.accumulator_um2 / static_cast<double>(area.arrays), t.sram_leakage_mW_per_mm2, clock_mhz)}});
  table(out, instances("weight_buffer", 1),
        {{"read", t.weight_buffer_byte_pJ},
         {"write", t.weight_buffer_byte_pJ},
         {"leak", leak_per_cycle_pJ(area.weight_buffer_um2, t.sram_leakage_mW_per_mm2, clock_mhz)}});
  table(out, instances("act_buffer", 1),
        {{"read", t.act_buffer_read_byte_pJ},
         {"write", t.act_buffer_write_byte_pJ},
         {"leak", leak_per_cycle_pJ(area.act_buffer_um2, t.sram_leakage_mW_per_mm2, clock_mhz)}});
  table(out, instances("DRAM", 1), {{"read", t.dram_byte_pJ}, {"update", t.dram_byte_pJ}, {"leak", 0.0}});
  out << YAML::EndSeq << YAML::EndMap << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

std::string accelergy_art(const hw::AcceleratorConfig& config, const hw::AreaBreakdown& area) {
  const hw::ArrayConfig& a = config.array;
  YAML::Emitter out;
  out.SetDoublePrecision(10);
  out << YAML::Comment("ccsim area reference table: um^2 per instance");
  out << YAML::BeginMap << YAML::Key << "ART" << YAML::Value << YAML::BeginMap << YAML::Key << "version" << YAML::Value
      << YAML::SingleQuoted << "0.4" << YAML::Key << "tables" << YAML::Value << YAML::BeginSeq;
  const std::vector<std::pair<std::string, double>> rows = {
      {instances("mx_cell", area.arrays * a.rows * a.cols), area.cell.total_um2()},
      {instances("accumulator", area.arrays), area.accumulator_um2 / static_cast<double>(area.arrays)},
      {instances("weight_buffer", 1), area.weight_buffer_um2},
      {instances("act_buffer", 1), area.act_buffer_um2},
      {instances("DRAM", 1), 0.0}};
  for (const auto& [name, um2] : rows) {
    out << YAML::BeginMap << YAML::Key << "name" << YAML::Value << name << YAML::Key << "area" << YAML::Value << um2 << YAML::EndMap;
  }
  out << YAML::EndSeq << YAML::EndMap << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

}  // namespace ccsim::cli
