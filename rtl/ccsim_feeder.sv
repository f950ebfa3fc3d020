// Input feeder with the fused shift unit (hw/README.md, "Feeder and shift unit"). For each array
// column it computes, for every member of the column's group, where in the stored activation the
// value for the column's current output pixel lives (im2col: kernel offset, stride, padding; then
// the member's shift direction when a shift layer is fused: 0 otherwise), reads it from the
// activation buffer and puts bit bit_idx_i of it (LSB first, sign-extended) on the member's bit
// line. Positions outside the input read as zero. Combinational.
module ccsim_feeder #(
  parameter int unsigned Cols        = 4,
  parameter int unsigned AlphaMax    = 8,
  parameter int unsigned DataBits    = 8,
  parameter int unsigned AddrW       = 16,
  parameter int unsigned ChW         = 12,
  parameter int unsigned BitIdxW     = $clog2(DataBits)
) (
  // layer geometry (stored activation: channels x in_h x in_w)
  input  logic [11:0]                               in_h_i,
  input  logic [11:0]                               in_w_i,
  input  logic [3:0]                                stride_h_i,
  input  logic [3:0]                                stride_w_i,
  // top padding relative to the stored rows (a pixel block's band): -1 when a fused shift reads
  // the row above the band's first window row
  input  logic signed [4:0]                         pad_top_i,
  input  logic [3:0]                                pad_left_i,
  // per column: the output pixel it works on and its group's members
  input  logic [Cols-1:0]                           pix_valid_i,
  input  logic [Cols-1:0][11:0]                     pix_oy_i,
  input  logic [Cols-1:0][11:0]                     pix_ox_i,
  input  logic [Cols-1:0][AlphaMax-1:0]             member_valid_i,
  input  logic [Cols-1:0][AlphaMax-1:0][ChW-1:0]    member_ch_i,
  input  logic [Cols-1:0][AlphaMax-1:0][2:0]        member_ky_i,
  input  logic [Cols-1:0][AlphaMax-1:0][2:0]        member_kx_i,
  input  logic [Cols-1:0][AlphaMax-1:0][1:0]        member_dy_i,  // two's complement, -1 .. 1
  input  logic [Cols-1:0][AlphaMax-1:0][1:0]        member_dx_i,
  input  logic [BitIdxW-1:0]                        bit_idx_i,
  // activation buffer read ports
  output logic [Cols-1:0][AlphaMax-1:0][AddrW-1:0]  rd_addr_o,
  input  logic [Cols-1:0][AlphaMax-1:0][7:0]        rd_data_i,
  output logic [Cols-1:0][AlphaMax-1:0]             lines_o
);
  for (genvar c = 0; c < Cols; c++) begin : g_col
    for (genvar k = 0; k < AlphaMax; k++) begin : g_member
      logic signed [15:0] y, x, ys, xs;
      logic               in_window, in_shifted, take;
      logic [7:0]         value;
      logic [ChW-1:0]     ch;
      always_comb begin
        ch = member_ch_i[c][k];
        y  = 16'($signed({4'b0, pix_oy_i[c]}) * $signed({12'b0, stride_h_i}))
           - 16'(pad_top_i) + $signed({13'b0, member_ky_i[c][k]});
        x  = 16'($signed({4'b0, pix_ox_i[c]}) * $signed({12'b0, stride_w_i}))
           - $signed({12'b0, pad_left_i}) + $signed({13'b0, member_kx_i[c][k]});
        in_window = (y >= 0) && (y < $signed({4'b0, in_h_i})) && (x >= 0) && (x < $signed({4'b0, in_w_i}));
        ys = y + 16'($signed(member_dy_i[c][k]));
        xs = x + 16'($signed(member_dx_i[c][k]));
        in_shifted = (ys >= 0) && (ys < $signed({4'b0, in_h_i})) && (xs >= 0) && (xs < $signed({4'b0, in_w_i}));
        take = pix_valid_i[c] && member_valid_i[c][k] && in_window && in_shifted;
        rd_addr_o[c][k] = take ? AddrW'((32'(ch) * 32'(in_h_i) + 32'(ys[11:0])) * 32'(in_w_i) + 32'(xs[11:0])) : '0;
      end
      // Separate from the address logic: the buffer's read data depends on the address.
      assign value = take ? rd_data_i[c][k] : 8'd0;
      // Sign extension: bits 7 and above carry the sign.
      assign lines_o[c][k] = (32'(bit_idx_i) >= 7) ? value[7] : value[bit_idx_i[2:0]];
    end
  end
endmodule
