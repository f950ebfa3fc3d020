// Output DMA (hw/README.md, "RTL"): writes the output stage's activations to memory through a
// valid/ready write port of Bytes-wide words with byte strobes. Lane r (array row r) delivers the
// outputs of filter row m = t Lanes + r (row tile t) in pixel order, one byte per valid cycle; the
// k-th output of a lane's row in a tile goes to byte address
//   addr_i + (t Lanes + r) stride_i + k,
// so with stride_i = the layer's pixels per channel and addr_i = base + the block's first pixel a
// layer's blocks fill the channel-major output tensor. lane_last_i marks a row's last output
// (pixel P - 1): the lane then moves to the row Lanes rows down.
// Each lane collects its bytes into a word and hands the word over when its last byte (address
// Bytes - 1 within the word) or the row's last output arrives; the lane holds up to two finished
// words (a row's last full word and its partial last word can finish one MAC slot apart) while it
// collects the next. A round-robin arbiter offers one held word per cycle to the port, oldest of
// its lane first. A lane finishing a word while it holds two is an overflow: the new word is lost
// and overflow_o stays high until the next start_i (the memory was too slow for the stream; the
// bound is in hw/README.md). busy_o: some word collected or held.
module ccsim_out_dma #(
  parameter int unsigned Lanes    = 4,   // output-stream lanes (array rows)
  parameter int unsigned MemAddrW = 32,  // memory byte address
  parameter int unsigned Bytes    = 8,   // memory word (a power of 2, >= 2)
  parameter int unsigned LaneW    = (Lanes > 1) ? $clog2(Lanes) : 1
) (
  input  logic                            clk_i,
  input  logic                            rst_ni,
  // block descriptor (sampled with start_i)
  input  logic                            start_i,
  input  logic [MemAddrW-1:0]             addr_i,    // byte address of row 0's first output
  input  logic [MemAddrW-1:0]             stride_i,  // bytes from one row (output channel) to the next
  input  logic [15:0]                     pixels_i,  // outputs per row in the block
  // output stream, one lane per array row
  input  logic [Lanes-1:0]                lane_valid_i,
  input  logic [Lanes-1:0]                lane_last_i,
  input  logic [Lanes-1:0][7:0]           lane_data_i,
  // memory write port
  output logic                            wr_valid_o,
  input  logic                            wr_ready_i,
  output logic [MemAddrW-1:0]             wr_addr_o,  // Bytes-aligned
  output logic [Bytes-1:0][7:0]           wr_data_o,
  output logic [Bytes-1:0]                wr_strb_o,
  output logic                            busy_o,
  output logic                            overflow_o
);
  localparam int unsigned ByteIdxW = $clog2(Bytes);
  localparam int unsigned WordW    = MemAddrW - ByteIdxW;

  // A lane's next byte address; after a row's last output it jumps Lanes rows down:
  // + 1 - P + Lanes stride.
  logic [Lanes-1:0][MemAddrW-1:0] addr_q;
  logic [MemAddrW-1:0]            jump_q;

  logic [Lanes-1:0]                 collect_valid_q;
  logic [Lanes-1:0][Bytes-1:0][7:0] collect_data_q;
  logic [Lanes-1:0][Bytes-1:0]      collect_strb_q;
  // Held words: [0] the older (offered to the port), [1] the newer.
  logic [Lanes-1:0][1:0]                 held_valid_q;
  logic [Lanes-1:0][1:0][WordW-1:0]      held_word_q;
  logic [Lanes-1:0][1:0][Bytes-1:0][7:0] held_data_q;
  logic [Lanes-1:0][1:0][Bytes-1:0]      held_strb_q;
  logic                             overflow_q;
  logic [LaneW-1:0]                 rr_q;  // the arbiter looks from this lane on

  // ---- arbiter: the first lane holding a word, from rr_q on -------------------------------------
  logic             grant_valid;
  logic [LaneW-1:0] grant;
  logic             granted;
  always_comb begin
    grant_valid = 1'b0;
    grant       = '0;
    for (int unsigned k = 0; k < Lanes; k++) begin
      logic [LaneW:0] lane;
      lane = (LaneW + 1)'(rr_q) + (LaneW + 1)'(k);
      if (lane >= (LaneW + 1)'(Lanes)) lane = lane - (LaneW + 1)'(Lanes);
      if (!grant_valid && held_valid_q[lane[LaneW-1:0]][0]) begin
        grant_valid = 1'b1;
        grant       = lane[LaneW-1:0];
      end
    end
  end
  assign granted    = grant_valid && wr_ready_i;
  assign wr_valid_o = grant_valid;
  assign wr_addr_o  = {held_word_q[grant][0], ByteIdxW'(0)};
  assign wr_data_o  = held_data_q[grant][0];
  assign wr_strb_o  = held_strb_q[grant][0];

  // ---- lanes -----------------------------------------------------------------------------------
  logic [Lanes-1:0] finishing, lost;
  logic             any_lost;
  assign any_lost = |lost;
  for (genvar r = 0; r < Lanes; r++) begin : g_lane
    logic [ByteIdxW-1:0]  at;
    logic [Bytes-1:0][7:0] data;
    logic [Bytes-1:0]     strb;
    logic                 drained;  // the older held word leaves this cycle
    logic [1:0]           kept;     // held words left after it
    logic                 flush;    // the row's last output: its word goes out partial
    assign at           = addr_q[r][ByteIdxW-1:0];
    assign flush        = lane_last_i[r];
    assign finishing[r] = lane_valid_i[r] && (at == ByteIdxW'(Bytes - 1) || flush);
    assign drained      = granted && grant == LaneW'(r);
    assign kept         = drained ? {1'b0, held_valid_q[r][1]} : held_valid_q[r];
    assign lost[r]      = finishing[r] && kept[1];
    always_comb begin
      data = collect_valid_q[r] ? collect_data_q[r] : '0;
      strb = collect_valid_q[r] ? collect_strb_q[r] : '0;
      data[at] = lane_data_i[r];
      strb[at] = 1'b1;
    end

    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) begin
        addr_q[r]          <= '0;
        collect_valid_q[r] <= 1'b0;
        collect_data_q[r]  <= '0;
        collect_strb_q[r]  <= '0;
        held_valid_q[r]    <= '0;
        held_word_q[r]     <= '0;
        held_data_q[r]     <= '0;
        held_strb_q[r]     <= '0;
      end else begin
        // A held word the port takes leaves in any cycle, start_i's too (held words keep their
        // addresses, so a block may start before the last one's words are out).
        if (drained) begin  // the newer word moves up
          held_valid_q[r] <= {1'b0, held_valid_q[r][1]};
          held_word_q[r][0] <= held_word_q[r][1];
          held_data_q[r][0] <= held_data_q[r][1];
          held_strb_q[r][0] <= held_strb_q[r][1];
        end
        if (start_i) begin
          addr_q[r]          <= addr_i + MemAddrW'(r) * stride_i;
          collect_valid_q[r] <= 1'b0;
        end else if (lane_valid_i[r]) begin
          addr_q[r] <= addr_q[r] + (lane_last_i[r] ? jump_q : MemAddrW'(1));
          if (finishing[r]) begin
            collect_valid_q[r] <= 1'b0;
            if (!kept[1]) begin  // into the first free place
              held_valid_q[r][kept[0]] <= 1'b1;
              held_word_q[r][kept[0]]  <= addr_q[r][MemAddrW-1:ByteIdxW];
              held_data_q[r][kept[0]]  <= data;
              held_strb_q[r][kept[0]]  <= strb;
            end
          end else begin
            collect_valid_q[r] <= 1'b1;
            collect_data_q[r]  <= data;
            collect_strb_q[r]  <= strb;
          end
        end
      end
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      jump_q     <= '0;
      overflow_q <= 1'b0;
      rr_q       <= '0;
    end else begin
      if (granted) rr_q <= (grant == LaneW'(Lanes - 1)) ? '0 : grant + 1'b1;
      if (start_i) begin
        jump_q     <= MemAddrW'(1) - MemAddrW'(pixels_i) + MemAddrW'(Lanes) * stride_i;
        overflow_q <= 1'b0;
      end else if (any_lost) begin
        overflow_q <= 1'b1;
      end
    end
  end

  assign busy_o     = |collect_valid_q || |held_valid_q;
  assign overflow_o = overflow_q;
endmodule
