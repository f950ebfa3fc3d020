// The JSON network reader: parse (bounded depth), every field, shape inference, and the writer
// on what it accepts.
#include "models/json_read.hpp"
#include "models/network_json.hpp"
#include "tests/fuzz/fuzz_util.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace ccsim;
  fuzz::expect_clean("fuzz.json", [&] {
    const auto j = json_read::parse_json(fuzz::bytes(data, size), "fuzz.json");
    const model::Network net = model::network_from_json(j, "fuzz.json");
    (void)model::network_to_json(net).dump();
  });
  return 0;
}
