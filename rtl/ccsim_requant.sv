// Output stage (hw/README.md): requantize an int32 accumulator with a Q31 multiplier and a
// power-of-two shift (ccsim_apply_mult), then clamp to the activation range (which carries a
// fused ReLU / ReLU6). Bit-exact with models/fixed_point.hpp requantize(). Combinational.
module ccsim_requant (
  input  logic signed [31:0] acc_i,
  input  logic signed [31:0] mult_i,     // m0, Q31 in [0, 2^31) (a normalized one is >= 2^30; 0 for a zero row)
  input  logic signed [7:0]  shift_i,    // > 0: left shift, < 0: right shift (in [-31, 30])
  input  logic signed [7:0]  act_min_i,
  input  logic signed [7:0]  act_max_i,
  output logic signed [7:0]  act_o
);
  logic signed [31:0] rounded;

  ccsim_apply_mult u_mult (.acc_i, .mult_i, .shift_i, .res_o(rounded));

  always_comb begin
    if (rounded < 32'(act_min_i)) begin
      act_o = act_min_i;
    end else if (rounded > 32'(act_max_i)) begin
      act_o = act_max_i;
    end else begin
      act_o = rounded[7:0];
    end
  end
endmodule
