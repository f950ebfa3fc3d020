#include "sim/rtl_array.hpp"
#include "sim/names.hpp"

#include <memory>
#include <stdexcept>

#include "rtl_arrays.hpp"  // generated (CMakeLists.txt, ccsim_verilate_rtl): the Verilated arrays
#include "sim/verilated_fields.hpp"

namespace ccsim::rtl {
namespace {

constexpr int kDataBits = 8;  // the parameters the arrays are built with
constexpr int kAlphaMax = 8;
constexpr int kSelectBits = 3;

template <typename V>
class RtlArray final : public hw::ArrayImplementation {
 public:
  explicit RtlArray(const hw::ArrayConfig& config) : config_(config), context_(std::make_unique<VerilatedContext>()) {
    context_->randReset(2);  // unreset state starts random (built with --x-initial unique) ...
    context_->randSeed(1);   // ... reproducibly
    rtl_ = std::make_unique<V>(context_.get());
    rtl_->rst_ni = 0;
    rtl_->eval();
    rtl_->rst_ni = 1;
    rtl_->eval();
  }
  ~RtlArray() override { rtl_->final(); }

  std::string name() const override { return "rtl"; }

  // Rows 0 .. R-1 into the shadow registers one per clock; the last with tile_start_i, which
  // takes it through the bypass.
  void start_tile(const hw::TileWeights& tile) override {
    const int R = config_.rows;
    const int C = config_.cols;
    for (int r = 0; r < R; ++r) {
      rtl_->load_valid_i = 1;
      rtl_->load_row_i = static_cast<std::remove_reference_t<decltype(rtl_->load_row_i)>>(r);
      for (int c = 0; c < C; ++c) {
        const std::size_t i = static_cast<std::size_t>(r) * C + c;
        put(rtl_->load_weight_i, c * 8, 8, static_cast<std::uint8_t>(tile.weights[i]));
        put(rtl_->load_select_i, c * kSelectBits, kSelectBits, tile.selects[i]);
      }
      rtl_->tile_start_i = r == R - 1;
      tick();
    }
    rtl_->load_valid_i = 0;
    rtl_->tile_start_i = 0;
  }

  void clock(const std::uint32_t* top, const fixed::Acc* left) override {
    for (int c = 0; c < config_.cols; ++c) put(rtl_->top_lines_i, c * kAlphaMax, kAlphaMax, top[c]);
    for (int r = 0; r < config_.rows; ++r) put(rtl_->left_psum_i, r * 32, 32, static_cast<std::uint32_t>(left[r]));
    tick();
  }

  fixed::Acc psum(int r, int c) const override {
    return static_cast<fixed::Acc>(word(rtl_->psum_o, r * config_.cols + c));
  }
  fixed::Acc product(int r, int c) const override {
    return static_cast<fixed::Acc>(word(rtl_->prod_o, r * config_.cols + c));
  }

 private:
  void tick() {
    rtl_->clk_i = 0;
    rtl_->eval();
    rtl_->clk_i = 1;
    rtl_->eval();
  }

  hw::ArrayConfig config_;
  std::unique_ptr<VerilatedContext> context_;
  std::unique_ptr<V> rtl_;
};

struct ArrayBuild {
  int rows, cols;
  std::unique_ptr<hw::ArrayImplementation> (*make)(const hw::ArrayConfig&);
};

template <typename V>
std::unique_ptr<hw::ArrayImplementation> make(const hw::ArrayConfig& config) {
  return std::make_unique<RtlArray<V>>(config);
}

const std::vector<ArrayBuild>& builds() {
#define CCSIM_ARRAY_BUILD(V, R, C) ArrayBuild{R, C, &make<V>},
  static const std::vector<ArrayBuild> b{CCSIM_RTL_ARRAYS(CCSIM_ARRAY_BUILD)};
#undef CCSIM_ARRAY_BUILD
  return b;
}

}  // namespace

std::vector<std::string> array_configurations() {
  std::vector<std::string> names;
  for (const auto& b : builds()) names.push_back(std::to_string(b.rows) + "x" + std::to_string(b.cols));
  return names;
}

hw::ArrayImplementationFactory rtl_array_factory() {
  return [](const hw::ArrayConfig& config) {
    if (config.mac != hw::MacKind::BitSerial) {
      throw std::invalid_argument("--rtl array: the RTL array has bit-serial cells; --mac parallel runs the SystemC model only");
    }
    if (config.data_bits != kDataBits || config.alpha_max != kAlphaMax) {
      throw std::invalid_argument("--rtl array: the RTL array is built for --data-bits 8 and alpha_max 8, not " +
                                  std::to_string(config.data_bits) + " and " + std::to_string(config.alpha_max));
    }
    for (const auto& b : builds()) {
      if (b.rows == config.rows && b.cols == config.cols) return b.make(config);
    }
    const std::string built = join_names(array_configurations());
    throw std::invalid_argument("--rtl array: no Verilated array for " + std::to_string(config.rows) + "x" +
                                std::to_string(config.cols) + "; this build has " + built +
                                " (add it to the CMake option CCSIM_COSIM_ARRAYS and rebuild)");
  };
}

}  // namespace ccsim::rtl
