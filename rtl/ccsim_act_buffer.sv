// Activation buffer (hw/README.md): int8 activations of the stored layer input, one write port
// of WrBytes bytes per cycle (host / DMA or the previous layer; byte enables) and NumRead
// register-file read ports for the feeder.
module ccsim_act_buffer #(
  parameter int unsigned AddrW   = 12,  // 2^AddrW bytes
  parameter int unsigned NumRead = 8,
  parameter int unsigned WrBytes = 8
) (
  input  logic                             clk_i,
  input  logic                             we_i,
  input  logic [AddrW-1:0]                 wr_addr_i,   // first byte written
  input  logic [WrBytes-1:0]               wr_strb_i,   // byte k goes to wr_addr_i + k
  input  logic [WrBytes-1:0][7:0]          wr_data_i,
  input  logic [NumRead-1:0][AddrW-1:0]    rd_addr_i,
  output logic [NumRead-1:0][7:0]          rd_data_o
);
  logic [7:0] mem_q [2**AddrW];

  always_ff @(posedge clk_i) begin
    if (we_i) begin
      for (int k = 0; k < WrBytes; k++) begin
        if (wr_strb_i[k]) begin
          mem_q[wr_addr_i + AddrW'(k)] <= wr_data_i[k];
        end
      end
    end
  end

  for (genvar i = 0; i < NumRead; i++) begin : g_read
    assign rd_data_o[i] = mem_q[rd_addr_i[i]];
  end
endmodule
