// The energy and area tables of a configured accelerator in Accelergy's formats (ERT.yaml, the
// energy reference table, and ART.yaml, the area reference table; version 0.4 as Timeloop and
// Accelergy write them), so Timeloop/Accelergy users can reuse ccsim's per-action figures.
// Energies in pJ per action: the cell's multiply per bit cycle (mac_bit, bit-serial cells) or per
// MAC slot (mac, bit-parallel cells), each with the multiplexer selection, and psum_add per MAC
// slot; buffer and DRAM actions per byte, `clock` and `leak` per cycle at the given clock. Areas
// in um^2 per instance.
#pragma once

#include <string>

#include "hw/accelerator_config.hpp"
#include "hw/area_model.hpp"
#include "hw/energy_model.hpp"

namespace ccsim::cli {

std::string accelergy_ert(const hw::AcceleratorConfig& config, const hw::AreaBreakdown& area, const hw::EnergyTable& energy,
                          double clock_mhz);
std::string accelergy_art(const hw::AcceleratorConfig& config, const hw::AreaBreakdown& area);

}  // namespace ccsim::cli
