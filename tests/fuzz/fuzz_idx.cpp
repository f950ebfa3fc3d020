// IDX image and label files: the input is split in two at its first byte's position (a fraction
// of the rest), images before, labels after; to_batch runs on what is accepted.
#include "models/idx_dataset.hpp"
#include "tests/fuzz/fuzz_util.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace ccsim;
  if (size < 1) return 0;
  const std::size_t split = 1 + (size - 1) * data[0] / 256;
  const std::vector<std::uint8_t> images(data + 1, data + split);
  const std::vector<std::uint8_t> labels(data + split, data + size);
  fuzz::expect_clean("fuzz-idx", [&] {
    const model::IdxDataset d = model::parse_idx(images, labels, "fuzz-idx-images", "fuzz-idx-labels");
    model::check_labels(d, 10);
    (void)model::to_batch(d, {}, {1, d.rows, d.cols}, 0, d.count);
  });
  return 0;
}
