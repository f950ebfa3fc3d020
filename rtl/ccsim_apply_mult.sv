// Fixed-point multiply by a quantized multiplier (hw/README.md): round(acc * m0 * 2^shift / 2^31)
// as gemmlowp / TFLite MultiplyByQuantizedMultiplier (SaturatingRoundingDoublingHighMul, then
// RoundingDivideByPOT). Bit-exact with models/fixed_point.hpp apply_multiplier(). Combinational;
// shared by the output stage (ccsim_requant) and the vector unit's add and rescale.
module ccsim_apply_mult (
  input  logic signed [31:0] acc_i,
  input  logic signed [31:0] mult_i,     // m0, Q31
  input  logic signed [7:0]  shift_i,    // > 0: left shift, < 0: right shift (in [-31, 30])
  output logic signed [31:0] res_o
);
  logic        [4:0]  left, right;
  logic signed [31:0] shifted, high, mask, remainder, threshold;
  logic signed [63:0] product, nudged;
  logic signed [7:0]  neg_shift;
  logic               unused_shift_msbs;
  assign unused_shift_msbs = ^neg_shift[7:5];  // |shift| <= 31

  always_comb begin
    neg_shift = -shift_i;
    left      = (shift_i > 0) ? shift_i[4:0] : 5'd0;
    right     = (shift_i > 0) ? 5'd0 : neg_shift[4:0];
    shifted   = acc_i <<< left;
    // SaturatingRoundingDoublingHighMul: (a b + nudge) / 2^31, truncating toward zero.
    product   = 64'(shifted) * 64'(mult_i);
    nudged    = product + ((product >= 0) ? (64'sd1 <<< 30) : (64'sd1 - (64'sd1 <<< 30)));
    high      = 32'((nudged + ((nudged < 0) ? ((64'sd1 <<< 31) - 64'sd1) : 64'sd0)) >>> 31);
    if (shifted == 32'sh8000_0000 && mult_i == 32'sh8000_0000) begin
      high = 32'sh7fff_ffff;
    end
    // RoundingDivideByPOT: round to nearest, ties away from zero.
    mask      = 32'((33'sd1 <<< right) - 33'sd1);
    remainder = high & mask;
    threshold = (mask >>> 1) + ((high < 0) ? 32'sd1 : 32'sd0);
    res_o     = (high >>> right) + ((remainder > threshold) ? 32'sd1 : 32'sd0);
  end
endmodule
