// Tile buffer (hw/README.md, "RTL"): the weight buffer as two tile slots that the DMA fills while
// the array works, so a layer of any size streams through it. A slot holds one tile:
//   - Rows cell rows: Cols {weight, select} cells and that filter row's bias, requantization
//     multiplier and shift;
//   - AlphaMax member lines: for each of the Cols packed columns, member k's descriptor
//     (MemberW bits: valid, input channel, kernel offset, fused-shift direction; ccsim_tile).
// Write port (DMA side): one cell row or member line per cycle into the slot the writer owns,
// accepted when tw_valid_i && tw_ready_o; tw_last_i on the last write of a tile commits the slot
// (it becomes full, the writer moves to the other slot). Read side (sequencer): the full slot at
// the read pointer, one cell row at a time plus all of its members and row parameters;
// release_i empties it and moves the read pointer on.
module ccsim_tile_buffer #(
  parameter int unsigned Rows     = 4,
  parameter int unsigned Cols     = 4,
  parameter int unsigned AlphaMax = 8,
  parameter int unsigned SelBits  = 3,
  parameter int unsigned MemberW  = 23,
  parameter int unsigned RowIdxW  = (Rows > 1) ? $clog2(Rows) : 1,
  parameter int unsigned KW       = (AlphaMax > 1) ? $clog2(AlphaMax) : 1,
  parameter int unsigned IdxW     = (RowIdxW > KW) ? RowIdxW : KW
) (
  input  logic                                      clk_i,
  input  logic                                      rst_ni,
  // write port
  input  logic                                      tw_valid_i,
  output logic                                      tw_ready_o,
  input  logic                                      tw_member_i,   // 0: cell row, 1: member line
  input  logic [IdxW-1:0]                           tw_index_i,    // row or member index
  input  logic                                      tw_last_i,
  input  logic [Cols-1:0][7:0]                      tw_weight_i,
  input  logic [Cols-1:0][SelBits-1:0]              tw_select_i,
  input  logic [31:0]                               tw_bias_i,
  input  logic [31:0]                               tw_mult_i,
  input  logic [7:0]                                tw_shift_i,
  input  logic [Cols-1:0][MemberW-1:0]              tw_members_i,
  // read side
  output logic                                      cur_full_o,    // the slot at the read pointer
  output logic                                      next_full_o,   // the other slot
  input  logic [RowIdxW-1:0]                        rd_row_i,
  output logic [Cols-1:0][7:0]                      rd_weight_o,
  output logic [Cols-1:0][SelBits-1:0]              rd_select_o,
  output logic [Cols-1:0][AlphaMax-1:0][MemberW-1:0] rd_members_o,
  output logic [Rows-1:0][31:0]                     rd_bias_o,
  output logic [Rows-1:0][31:0]                     rd_mult_o,
  output logic [Rows-1:0][7:0]                      rd_shift_o,
  input  logic                                      release_i
);
  logic [Rows-1:0][Cols-1:0][7:0]          weight_q [2];
  logic [Rows-1:0][Cols-1:0][SelBits-1:0]  select_q [2];
  logic [Rows-1:0][31:0]                   bias_q   [2];
  logic [Rows-1:0][31:0]                   mult_q   [2];
  logic [Rows-1:0][7:0]                    shift_q  [2];
  logic [AlphaMax-1:0][Cols-1:0][MemberW-1:0] member_q [2];

  logic [1:0] full_q;
  logic       wr_ptr_q, rd_ptr_q;
  logic       write;

  assign tw_ready_o = !full_q[wr_ptr_q];
  assign write      = tw_valid_i && tw_ready_o;

  always_ff @(posedge clk_i) begin
    if (write && !tw_member_i) begin
      weight_q[wr_ptr_q][RowIdxW'(tw_index_i)] <= tw_weight_i;
      select_q[wr_ptr_q][RowIdxW'(tw_index_i)] <= tw_select_i;
      bias_q[wr_ptr_q][RowIdxW'(tw_index_i)]   <= tw_bias_i;
      mult_q[wr_ptr_q][RowIdxW'(tw_index_i)]   <= tw_mult_i;
      shift_q[wr_ptr_q][RowIdxW'(tw_index_i)]  <= tw_shift_i;
    end
    if (write && tw_member_i) begin
      member_q[wr_ptr_q][KW'(tw_index_i)] <= tw_members_i;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      full_q   <= '0;
      wr_ptr_q <= 1'b0;
      rd_ptr_q <= 1'b0;
    end else begin
      if (write && tw_last_i) begin
        full_q[wr_ptr_q] <= 1'b1;
        wr_ptr_q         <= !wr_ptr_q;
      end
      if (release_i) begin
        full_q[rd_ptr_q] <= 1'b0;
        rd_ptr_q         <= !rd_ptr_q;
      end
    end
  end

  assign cur_full_o  = full_q[rd_ptr_q];
  assign next_full_o = full_q[!rd_ptr_q];
  assign rd_weight_o = weight_q[rd_ptr_q][rd_row_i];
  assign rd_select_o = select_q[rd_ptr_q][rd_row_i];
  assign rd_bias_o   = bias_q[rd_ptr_q];
  assign rd_mult_o   = mult_q[rd_ptr_q];
  assign rd_shift_o  = shift_q[rd_ptr_q];
  for (genvar c = 0; c < Cols; c++) begin : g_col
    for (genvar k = 0; k < AlphaMax; k++) begin : g_member
      assign rd_members_o[c][k] = member_q[rd_ptr_q][k][c];
    end
  end
endmodule
