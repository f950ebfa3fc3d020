// R x C weight-stationary systolic array of bit-serial MX cells (hw/README.md).
// Weights load into shadow registers one array row per cycle (load_valid_i); tile_start_i swaps
// them in and clears the pipeline; the cycle after tile_start_i is cycle 0 of the tile. A row
// loaded in the same cycle as tile_start_i goes straight into its cells (so the last row of a
// tile can load in the cycle the tile starts). Input bit
// lines enter row 0 (top_lines_i) and move down one row per cycle with their bit index; partial
// sums move right one MAC slot per column and leave at column Cols-1 (psum_o[r][Cols-1]).
module ccsim_systolic_array #(
  parameter int unsigned Rows     = 4,
  parameter int unsigned Cols     = 4,
  parameter int unsigned DataBits = 8,
  parameter int unsigned AlphaMax = 8,
  parameter int unsigned SelBits  = (AlphaMax > 1) ? $clog2(AlphaMax) : 1,
  parameter int unsigned RowIdxW  = (Rows > 1) ? $clog2(Rows) : 1,
  parameter int unsigned BitIdxW  = $clog2(DataBits)
) (
  input  logic                                  clk_i,
  input  logic                                  rst_ni,
  // weight load into the shadow registers
  input  logic                                  load_valid_i,
  input  logic [RowIdxW-1:0]                    load_row_i,
  input  logic [Cols-1:0][7:0]                  load_weight_i,
  input  logic [Cols-1:0][SelBits-1:0]          load_select_i,
  // tile control and streams
  input  logic                                  tile_start_i,
  input  logic [Cols-1:0][AlphaMax-1:0]         top_lines_i,
  input  logic [Rows-1:0][31:0]                 left_psum_i,
  output logic [Rows-1:0][Cols-1:0][31:0]       psum_o,
  output logic [Rows-1:0][Cols-1:0][31:0]       prod_o
);
  // Shadow weights (double buffering).
  logic [Rows-1:0][Cols-1:0][7:0]         shadow_w_q;
  logic [Rows-1:0][Cols-1:0][SelBits-1:0] shadow_s_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      shadow_w_q <= '0;
      shadow_s_q <= '0;
    end else if (load_valid_i) begin
      shadow_w_q[load_row_i] <= load_weight_i;
      shadow_s_q[load_row_i] <= load_select_i;
    end
  end

  // Row 0's bit index counts 0 .. DataBits-1 from cycle 0 of a tile; rows below see the lines
  // and the bit index one cycle later per row.
  logic [BitIdxW-1:0] bit_cnt_q;
  logic               run_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      bit_cnt_q <= '0;
      run_q     <= 1'b0;
    end else if (tile_start_i) begin
      bit_cnt_q <= '0;
      run_q     <= 1'b1;
    end else if (run_q) begin
      bit_cnt_q <= (bit_cnt_q == BitIdxW'(DataBits - 1)) ? '0 : bit_cnt_q + 1'b1;
    end
  end

  logic [Rows-1:0][Cols-1:0][AlphaMax-1:0] lines;
  logic [Rows-1:0][BitIdxW-1:0]            bit_idx;
  logic [Rows-1:0]                         valid;

  assign lines[0]   = top_lines_i;
  assign bit_idx[0] = bit_cnt_q;
  assign valid[0]   = run_q;

  for (genvar r = 1; r < Rows; r++) begin : g_pipe
    logic [Cols-1:0][AlphaMax-1:0] lines_q;
    logic [BitIdxW-1:0]            bit_idx_q;
    logic                          valid_q;
    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) begin
        lines_q   <= '0;
        bit_idx_q <= '0;
        valid_q   <= 1'b0;
      end else if (tile_start_i) begin
        lines_q   <= '0;
        bit_idx_q <= '0;
        valid_q   <= 1'b0;
      end else begin
        lines_q   <= lines[r-1];
        bit_idx_q <= bit_idx[r-1];
        valid_q   <= valid[r-1];
      end
    end
    assign lines[r]   = lines_q;
    assign bit_idx[r] = bit_idx_q;
    assign valid[r]   = valid_q;
  end

  // Cell outputs as unpacked words; the packed ports are filled word by word below (wiring the
  // cells straight to slices of the packed ports makes Verilator rebuild the whole 8 Kbit
  // vectors through a chain of growing temporaries every cycle).
  logic [31:0] psum_w [Rows][Cols];
  logic [31:0] prod_w [Rows][Cols];
  always_comb begin
    for (int r = 0; r < Rows; r++) begin
      for (int c = 0; c < Cols; c++) begin
        psum_o[r][c] = psum_w[r][c];
        prod_o[r][c] = prod_w[r][c];
      end
    end
  end

  for (genvar r = 0; r < Rows; r++) begin : g_row
    logic bypass;
    assign bypass = load_valid_i && (load_row_i == RowIdxW'(r));
    for (genvar c = 0; c < Cols; c++) begin : g_col
      logic [31:0] psum_in;
      if (c == 0) begin : g_left
        assign psum_in = left_psum_i[r];
      end else begin : g_inner
        assign psum_in = psum_w[r][c-1];
      end
      ccsim_mx_cell #(
        .DataBits (DataBits),
        .AlphaMax (AlphaMax),
        .SelBits  (SelBits)
      ) u_cell (
        .clk_i     (clk_i),
        .rst_ni    (rst_ni),
        .clear_i   (tile_start_i),
        .load_i    (tile_start_i),
        .weight_i  (bypass ? load_weight_i[c] : shadow_w_q[r][c]),
        .select_i  (bypass ? load_select_i[c] : shadow_s_q[r][c]),
        .valid_i   (valid[r]),
        .lines_i   (lines[r][c]),
        .bit_idx_i (bit_idx[r]),
        .psum_i    (psum_in),
        .psum_o    (psum_w[r][c]),
        .prod_o    (prod_w[r][c])
      );
    end
  end
endmodule
