// Tile-stream DMA (hw/README.md, "Controller"): reads a block's tile stream from memory, one
// record per read, through its own valid/ready read port, and writes each record into the tile
// buffer (the tw_* port) when the buffer has room. A record is one tile-buffer write, RecBytes
// bytes at addr_i + k RecBytes (k = 0 .. records_i - 1), bits from 0:
//   [0] member line (1) or cell row (0), [1] last write of the tile, [2 +: IdxW] row or member index,
//   then from bit HdrW = 2 + IdxW
//   cell row:    Cols weights (8 bits each), Cols selects (SelBits each), bias (32), multiplier (32), shift (8)
//   member line: Cols members (MemberW bits each)
// Responses cannot be refused, so a request goes out only while the records in flight and those
// waiting in the MaxPending-deep queue leave a place for its answer. start_i (while idle) begins
// a block's stream; busy_o stays high until its last record is in the tile buffer.
module ccsim_tw_dma #(
  parameter int unsigned Cols       = 4,
  parameter int unsigned SelBits    = 3,
  parameter int unsigned MemberW    = 23,
  parameter int unsigned IdxW       = 3,
  parameter int unsigned MemAddrW   = 32,
  parameter int unsigned MaxPending = 4,
  parameter int unsigned HdrW       = 2 + IdxW,
  parameter int unsigned CellW      = Cols * (8 + SelBits) + 72,
  parameter int unsigned RecW       = HdrW + ((CellW > Cols * MemberW) ? CellW : Cols * MemberW),
  parameter int unsigned RecBytes   = (RecW + 63) / 64 * 8
) (
  input  logic                              clk_i,
  input  logic                              rst_ni,
  input  logic                              start_i,
  input  logic [MemAddrW-1:0]               addr_i,
  input  logic [31:0]                       records_i,
  output logic                              busy_o,
  // memory read port: requests, and responses in request order (one record each)
  output logic                              mem_req_valid_o,
  input  logic                              mem_req_ready_i,
  output logic [MemAddrW-1:0]               mem_req_addr_o,
  input  logic                              mem_rsp_valid_i,
  input  logic [8*RecBytes-1:0]             mem_rsp_data_i,
  // tile buffer write port
  output logic                              tw_valid_o,
  input  logic                              tw_ready_i,
  output logic                              tw_member_o,
  output logic [IdxW-1:0]                   tw_index_o,
  output logic                              tw_last_o,
  output logic [Cols-1:0][7:0]              tw_weight_o,
  output logic [Cols-1:0][SelBits-1:0]      tw_select_o,
  output logic [31:0]                       tw_bias_o,
  output logic [31:0]                       tw_mult_o,
  output logic [7:0]                        tw_shift_o,
  output logic [Cols-1:0][MemberW-1:0]      tw_members_o
);
  localparam int unsigned PtrW = (MaxPending > 1) ? $clog2(MaxPending) : 1;
  localparam int unsigned CntW = $clog2(MaxPending + 1);

  logic [MemAddrW-1:0]           addr_q;
  logic [31:0]                   left_q;     // records not yet requested
  logic [CntW-1:0]               pending_q;  // requested, not answered
  logic [CntW-1:0]               count_q;    // answered, waiting for the tile buffer
  logic [PtrW-1:0]               wr_ptr_q, rd_ptr_q;
  logic [MaxPending-1:0][RecW-1:0] queue_q;
  logic                          req_take, rsp_take, pop;

  assign mem_req_valid_o = left_q != '0 && 32'(pending_q) + 32'(count_q) < MaxPending;
  assign mem_req_addr_o  = addr_q;
  assign req_take        = mem_req_valid_o && mem_req_ready_i;
  assign rsp_take        = mem_rsp_valid_i && pending_q != '0;
  assign tw_valid_o      = count_q != '0;
  assign pop             = tw_valid_o && tw_ready_i;
  assign busy_o          = left_q != '0 || pending_q != '0 || count_q != '0;

  function automatic logic [PtrW-1:0] advance(logic [PtrW-1:0] ptr);
    return (32'(ptr) == MaxPending - 1) ? '0 : ptr + 1'b1;
  endfunction

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      addr_q    <= '0;
      left_q    <= '0;
      pending_q <= '0;
      count_q   <= '0;
      wr_ptr_q  <= '0;
      rd_ptr_q  <= '0;
    end else begin
      if (start_i && !busy_o) begin
        addr_q <= addr_i;
        left_q <= records_i;
      end else if (req_take) begin
        addr_q <= addr_q + MemAddrW'(RecBytes);
        left_q <= left_q - 32'd1;
      end
      pending_q <= pending_q + CntW'(req_take) - CntW'(rsp_take);
      count_q   <= count_q + CntW'(rsp_take) - CntW'(pop);
      if (rsp_take) wr_ptr_q <= advance(wr_ptr_q);
      if (pop) rd_ptr_q <= advance(rd_ptr_q);
    end
  end

  always_ff @(posedge clk_i) begin
    if (rsp_take) queue_q[wr_ptr_q] <= mem_rsp_data_i[RecW-1:0];
  end

  // The record at the head of the queue, as tile-buffer write fields.
  logic [RecW-1:0] head;
  assign head         = queue_q[rd_ptr_q];
  assign tw_member_o  = head[0];
  assign tw_last_o    = head[1];
  assign tw_index_o   = head[2 +: IdxW];
  assign tw_weight_o  = head[HdrW +: Cols * 8];
  assign tw_select_o  = head[HdrW + Cols * 8 +: Cols * SelBits];
  assign tw_bias_o    = head[HdrW + Cols * (8 + SelBits) +: 32];
  assign tw_mult_o    = head[HdrW + Cols * (8 + SelBits) + 32 +: 32];
  assign tw_shift_o   = head[HdrW + Cols * (8 + SelBits) + 64 +: 8];
  assign tw_members_o = head[HdrW +: Cols * MemberW];

  if (8 * RecBytes > RecW) begin : g_pad
    logic unused_pad;  // the record's padding to whole 8-byte words
    assign unused_pad = ^mem_rsp_data_i[8*RecBytes-1:RecW];
  end
endmodule
