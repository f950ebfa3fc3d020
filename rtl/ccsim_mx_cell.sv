// Bit-serial MX cell (hw/README.md): a weight register, a multiplexer select, a bit-serial
// multiply of the selected input line, and a partial-sum register updated at the end of every
// MAC slot with psum_i + product. Arithmetic as models/fixed_point.hpp (serial_mac_step, wrap).
module ccsim_mx_cell #(
  parameter int unsigned DataBits = 8,
  parameter int unsigned AlphaMax = 8,
  parameter int unsigned SelBits  = (AlphaMax > 1) ? $clog2(AlphaMax) : 1,
  parameter int unsigned BitIdxW  = $clog2(DataBits)
) (
  input  logic                      clk_i,
  input  logic                      rst_ni,
  input  logic                      clear_i,   // tile start: clear product and partial sum
  input  logic                      load_i,    // take weight_i / select_i (with clear_i)
  input  logic signed [7:0]         weight_i,
  input  logic [SelBits-1:0]        select_i,
  input  logic                      valid_i,   // this row has been reached in the current tile
  input  logic [AlphaMax-1:0]       lines_i,   // the column's input bit lines at this row
  input  logic [BitIdxW-1:0]        bit_idx_i, // which bit the lines carry (0 = LSB)
  input  logic signed [31:0]        psum_i,    // partial sum from the left
  output logic signed [31:0]        psum_o,    // partial-sum register
  output logic signed [31:0]        prod_o     // product register (for co-simulation)
);
  logic signed [7:0]  weight_q;
  logic [SelBits-1:0] select_q;
  logic signed [31:0] prod_q, prod_d, psum_q, psum_d, term;
  logic               bit_in, last_bit;

  assign bit_in   = lines_i[select_q];
  assign last_bit = (bit_idx_i == BitIdxW'(DataBits - 1));

  // w * 2^i for a set bit; the MSB carries negative weight (two's complement).
  always_comb begin
    term = 32'(weight_q) <<< bit_idx_i;
    if (!bit_in) begin
      term = '0;
    end else if (last_bit) begin
      term = -term;
    end
  end

  always_comb begin
    prod_d = prod_q;
    psum_d = psum_q;
    if (valid_i) begin
      if (last_bit) begin
        psum_d = psum_i + prod_q + term;
        prod_d = '0;
      end else begin
        prod_d = prod_q + term;
      end
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      weight_q <= '0;
      select_q <= '0;
      prod_q   <= '0;
      psum_q   <= '0;
    end else if (clear_i) begin
      if (load_i) begin
        weight_q <= weight_i;
        select_q <= select_i;
      end
      prod_q <= '0;
      psum_q <= '0;
    end else begin
      prod_q <= prod_d;
      psum_q <= psum_d;
    end
  end

  assign psum_o = psum_q;
  assign prod_o = prod_q;
endmodule
