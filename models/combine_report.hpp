// Column-combining statistics of a packed network, per weight layer and in total.
#pragma once

#include <nlohmann/json.hpp>

#include "models/packed_network.hpp"

namespace ccsim::model {

// Per layer and total: rows, columns, packed columns, non-zeros before and after combining,
// weights pruned by combining, and utilization efficiency before (nonzeros / (rows x columns))
// and after (nonzeros / (rows x packed columns)).
nlohmann::json combine_report(const PackedNetwork& net);

}  // namespace ccsim::model
