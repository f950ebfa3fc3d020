#include "sim/rtl_feeder.hpp"

#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "hw/memory_system.hpp"
#include "rtl_feeders.hpp"  // generated (CMakeLists.txt): the Verilated feeders, one per array width
#include "sim/verilated_fields.hpp"

namespace ccsim::rtl {
namespace {

// The parameters every feeder is built with (CMakeLists.txt).
constexpr int kAlphaMax = 8;
constexpr int kDataBits = 8;
constexpr int kChannelBits = 16;  // AddrW is 32: the whole stored activation, CHW
constexpr int kCoordBits = 12;

template <typename V>
class RtlFeeder final : public hw::FeederImplementation {
 public:
  explicit RtlFeeder(const hw::ArrayConfig& config)
      : cols_(config.cols), bits_(config.cycles_per_mac()), context_(std::make_unique<VerilatedContext>()),
        lines_(static_cast<std::size_t>(config.cols), 0) {
    rtl_ = std::make_unique<V>(context_.get());
  }
  ~RtlFeeder() override { rtl_->final(); }

  std::string name() const override { return "rtl"; }

  void configure(const model::PackedLayer& l, const model::PackedLayer* shift) override {
    layer_ = &l;
    shift_ = shift;
    rtl_->in_h_i = static_cast<std::uint16_t>(l.in.h);
    rtl_->in_w_i = static_cast<std::uint16_t>(l.in.w);
    rtl_->stride_h_i = static_cast<std::uint8_t>(l.window.stride_h);
    rtl_->stride_w_i = static_cast<std::uint8_t>(l.window.stride_w);
    rtl_->pad_top_i = static_cast<std::uint8_t>(l.window.pad_top & 0x1f);
    rtl_->pad_left_i = static_cast<std::uint8_t>(l.window.pad_left);
  }

  // The members of the tile's groups go onto the member ports once per tile.
  void begin_tile(int first_group, std::int64_t first_pixel, std::int64_t pixels) override {
    first_pixel_ = first_pixel;
    pixels_ = pixels;
    present_.assign(static_cast<std::size_t>(cols_), 0);
    const model::PackedLayer& l = *layer_;
    const int kernel = l.window.kh * l.window.kw;
    for (int c = 0; c < cols_; ++c) {
      const int g = first_group + c;
      std::uint32_t valid = 0;
      if (g < l.packed_cols()) {
        present_[static_cast<std::size_t>(c)] = 1;
        const auto& members = l.groups[static_cast<std::size_t>(g)];
        for (std::size_t k = 0; k < members.size(); ++k) {
          const int at = c * kAlphaMax + static_cast<int>(k);
          const int channel = static_cast<int>(members[k]) / kernel;
          const int tap = static_cast<int>(members[k]) % kernel;
          put(rtl_->member_ch_i, at * kChannelBits, kChannelBits, static_cast<std::uint64_t>(channel));
          put(rtl_->member_ky_i, at * 3, 3, static_cast<std::uint64_t>(tap / l.window.kw * l.window.dilation_h));
          put(rtl_->member_kx_i, at * 3, 3, static_cast<std::uint64_t>(tap % l.window.kw * l.window.dilation_w));
          const int dy = shift_ ? shift_->shift[static_cast<std::size_t>(channel)][0] : 0;
          const int dx = shift_ ? shift_->shift[static_cast<std::size_t>(channel)][1] : 0;
          put(rtl_->member_dy_i, at * 2, 2, static_cast<std::uint64_t>(dy) & 3u);
          put(rtl_->member_dx_i, at * 2, 2, static_cast<std::uint64_t>(dx) & 3u);
          valid |= 1u << k;
        }
      }
      put(rtl_->member_valid_i, c * kAlphaMax, kAlphaMax, valid);
    }
  }

  // Column c carries bit t % b of the block's pixel t / b - c: the pixel goes onto its port, the
  // feeder computes the read addresses, the buffer answers them, the lines come out.
  const std::uint32_t* lines(std::int64_t t, const std::function<std::int8_t(std::int64_t)>& read) override {
    const std::int64_t slot = t / bits_;
    const std::int64_t out_w = layer_->out.w;
    for (int c = 0; c < cols_; ++c) {
      const std::int64_t p = slot - c;
      const bool valid = present_[static_cast<std::size_t>(c)] && p >= 0 && p < pixels_;
      put(rtl_->pix_valid_i, c, 1, valid);
      const std::int64_t pixel = valid ? first_pixel_ + p : 0;
      put(rtl_->pix_oy_i, c * kCoordBits, kCoordBits, static_cast<std::uint64_t>(pixel / out_w));
      put(rtl_->pix_ox_i, c * kCoordBits, kCoordBits, static_cast<std::uint64_t>(pixel % out_w));
    }
    rtl_->bit_idx_i = static_cast<std::uint8_t>(t % bits_);
    rtl_->eval();
    for (int i = 0; i < cols_ * kAlphaMax; ++i) {
      const std::uint32_t address = word(rtl_->rd_addr_o, i);  // AddrW = 32: one word per member
      put(rtl_->rd_data_i, i * 8, 8, static_cast<std::uint8_t>(read(address)));
    }
    rtl_->eval();
    for (int c = 0; c < cols_; ++c) {
      const int lsb = c * kAlphaMax;  // alpha_max 8: a byte of the lines port
      lines_[static_cast<std::size_t>(c)] = (word(rtl_->lines_o, lsb / 32) >> (lsb % 32)) & 0xffu;
    }
    return lines_.data();
  }

 private:
  int cols_;
  int bits_;
  std::unique_ptr<VerilatedContext> context_;
  std::unique_ptr<V> rtl_;
  const model::PackedLayer* layer_ = nullptr;
  const model::PackedLayer* shift_ = nullptr;
  std::int64_t first_pixel_ = 0;
  std::int64_t pixels_ = 0;
  std::vector<char> present_;  // per column: a packed column of the layer
  std::vector<std::uint32_t> lines_;
};

struct FeederBuild {
  int cols;
  std::unique_ptr<hw::FeederImplementation> (*make)(const hw::ArrayConfig&);
};

template <typename V>
std::unique_ptr<hw::FeederImplementation> make(const hw::ArrayConfig& config) {
  return std::make_unique<RtlFeeder<V>>(config);
}

const std::vector<FeederBuild>& builds() {
#define CCSIM_FEEDER_BUILD(V, C) FeederBuild{C, &make<V>},
  static const std::vector<FeederBuild> b{CCSIM_RTL_FEEDERS(CCSIM_FEEDER_BUILD)};
#undef CCSIM_FEEDER_BUILD
  return b;
}

void refuse(const model::PackedLayer& l, const std::string& what) {
  throw std::invalid_argument("--rtl feeder: layer '" + l.name + "' does not fit the RTL feeder: " + what);
}

}  // namespace

hw::FeederImplementationFactory rtl_feeder_factory() {
  return [](const hw::ArrayConfig& config) -> std::unique_ptr<hw::FeederImplementation> {
    if (config.mac != hw::MacKind::BitSerial) {
      throw std::invalid_argument("--rtl feeder: the RTL feeder drives bit lines; --mac parallel runs the SystemC model only");
    }
    if (config.data_bits != kDataBits || config.alpha_max != kAlphaMax) {
      throw std::invalid_argument("--rtl feeder: the RTL feeder is built for --data-bits 8 and alpha_max 8, not " +
                                  std::to_string(config.data_bits) + " and " + std::to_string(config.alpha_max));
    }
    std::set<int> widths;
    for (const auto& b : builds()) {
      if (b.cols == config.cols) return b.make(config);
      widths.insert(b.cols);
    }
    std::string built;
    for (const int w : widths) built += (built.empty() ? "" : ", ") + std::to_string(w);
    throw std::invalid_argument("--rtl feeder: no Verilated feeder for " + std::to_string(config.cols) +
                                " array columns; this build has " + built +
                                " (the widths of the CMake option CCSIM_COSIM_ARRAYS; add an array of that width and rebuild)");
  };
}

void check_rtl_feeder_fits(const model::PackedNetwork& net) {
  const int coord = (1 << kCoordBits) - 1;
  for (std::size_t i = 0; i < net.layers.size(); ++i) {
    const model::PackedLayer& l = net.layers[i];
    if (l.kind != model::OpKind::Matmul) continue;
    if (l.in.h > coord || l.in.w > coord || l.out.h > coord || l.out.w > coord) {
      refuse(l, "an input or output side beyond " + std::to_string(coord) + " (12-bit ports)");
    }
    if (l.in.c >= (1 << kChannelBits)) refuse(l, "65536 or more input channels (16-bit member channels)");
    if ((l.window.kh - 1) * l.window.dilation_h >= 8 || (l.window.kw - 1) * l.window.dilation_w >= 8) {
      refuse(l, "kernel extent (with dilation) larger than 8x8 (3-bit kernel offsets)");
    }
    if (l.window.stride_h >= 16 || l.window.stride_w >= 16 || l.window.pad_top >= 16 || l.window.pad_left >= 16) {
      refuse(l, "stride or padding >= 16 (4-bit ports)");
    }
    if (const model::PackedLayer* shift = hw::fused_shift(net, i)) {
      for (const auto& d : shift->shift) {
        if (d[0] < -1 || d[0] > 1 || d[1] < -1 || d[1] > 1) refuse(l, "a fused shift beyond one pixel (2-bit offsets)");
      }
    }
  }
}

}  // namespace ccsim::rtl
