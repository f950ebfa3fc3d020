// (Fashion-)MNIST IDX files, gzip-compressed or not (Debian's dataset-fashion-mnist ships .gz;
// libtorch's MNIST reader takes only uncompressed files, so ccsim reads them through zlib).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ccsim::model {

struct IdxDataset {
  int count = 0;
  int rows = 0;
  int cols = 0;
  std::vector<std::uint8_t> images;  // count x rows x cols
  std::vector<std::uint8_t> labels;  // count
  std::string label_file;            // where the labels came from, for error messages
};

// Reads `<dir>/<split>-images-idx3-ubyte[.gz]` and `<dir>/<split>-labels-idx1-ubyte[.gz]`,
// split = "train" or "t10k", at most `limit` samples (0 = all). Throws std::runtime_error naming
// the file on a missing, truncated or malformed file.
IdxDataset load_idx_dataset(const std::string& dir, const std::string& split, int limit = 0);
// The same from the two files' (decompressed) bytes; the paths name them in errors.
IdxDataset parse_idx(const std::vector<std::uint8_t>& images, const std::vector<std::uint8_t>& labels,
                     const std::string& image_path, const std::string& label_path, int limit = 0);

// Throws std::runtime_error naming the missing file unless the split's image and label files exist
// (reading nothing: a sweep checks its data set before it starts).
void require_idx_dataset(const std::string& dir, const std::string& split);

// Throws std::runtime_error naming the label file if a label is not below `classes`.
void check_labels(const IdxDataset& d, int classes);

}  // namespace ccsim::model

#include "models/network.hpp"
#include "models/onnx_tensor.hpp"

namespace ccsim::model {

// Samples [first, first + count) as a prepared float batch N x C x H x W:
// x = (pixel * scale - mean[c]) / std[c]. Throws if the images do not fit the network input.
FloatTensor to_batch(const IdxDataset& d, const Preprocess& p, const Shape& input, int first, int count);

}  // namespace ccsim::model
