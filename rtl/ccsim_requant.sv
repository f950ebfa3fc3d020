// Output stage (hw/README.md): requantize an int32 accumulator with a Q31 multiplier and a
// power-of-two shift, as gemmlowp / TFLite MultiplyByQuantizedMultiplier, then clamp to the
// activation range (which carries a fused ReLU / ReLU6). Bit-exact with
// models/fixed_point.hpp requantize(). Combinational.
module ccsim_requant (
  input  logic signed [31:0] acc_i,
  input  logic signed [31:0] mult_i,     // m0, Q31 in [2^30, 2^31)
  input  logic signed [7:0]  shift_i,    // > 0: left shift, < 0: right shift (in [-31, 30])
  input  logic signed [7:0]  act_min_i,
  input  logic signed [7:0]  act_max_i,
  output logic signed [7:0]  act_o
);
  logic        [4:0]  left, right;
  logic signed [31:0] shifted, high, mask, remainder, threshold, rounded;
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
    rounded   = (high >>> right) + ((remainder > threshold) ? 32'sd1 : 32'sd0);
    if (rounded < 32'(act_min_i)) begin
      act_o = act_min_i;
    end else if (rounded > 32'(act_max_i)) begin
      act_o = act_max_i;
    end else begin
      act_o = rounded[7:0];
    end
  end
endmodule
