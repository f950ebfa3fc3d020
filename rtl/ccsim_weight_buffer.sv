// Weight buffer (hw/README.md): one bank per array column, each holding {weight, select} cells;
// bank c, address m * col_tiles + t holds cell (row m, packed column t * Cols + c). A read
// returns one array row of a tile per cycle (register-file read, same cycle). Written by the
// host / DMA port before a layer runs.
module ccsim_weight_buffer #(
  parameter int unsigned Cols    = 4,
  parameter int unsigned SelBits = 3,
  parameter int unsigned AddrW   = 10,  // 2^AddrW cells per bank
  parameter int unsigned BankW   = (Cols > 1) ? $clog2(Cols) : 1
) (
  input  logic                          clk_i,
  input  logic                          we_i,
  input  logic [BankW-1:0]              wr_bank_i,
  input  logic [AddrW-1:0]              wr_addr_i,
  input  logic [7:0]                    wr_weight_i,
  input  logic [SelBits-1:0]            wr_select_i,
  input  logic [AddrW-1:0]              rd_addr_i,
  output logic [Cols-1:0][7:0]          rd_weight_o,
  output logic [Cols-1:0][SelBits-1:0]  rd_select_o
);
  for (genvar c = 0; c < Cols; c++) begin : g_bank
    logic [7:0]         weight_q [2**AddrW];
    logic [SelBits-1:0] select_q [2**AddrW];
    always_ff @(posedge clk_i) begin
      if (we_i && wr_bank_i == BankW'(c)) begin
        weight_q[wr_addr_i] <= wr_weight_i;
        select_q[wr_addr_i] <= wr_select_i;
      end
    end
    assign rd_weight_o[c] = weight_q[rd_addr_i];
    assign rd_select_o[c] = select_q[rd_addr_i];
  end
endmodule
