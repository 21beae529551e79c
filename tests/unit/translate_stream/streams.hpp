#pragma once
// Recorded-like upstream bodies shared by the golden tests and the chunking test.
#include <string_view>

namespace spillway::dialect::test_streams {

// vLLM-style OpenAI stream: role chunk, text, stop, usage chunk (include_usage), [DONE].
inline constexpr std::string_view o_text = R"(data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"qwen3","choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}],"usage":null}

data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"qwen3","choices":[{"index":0,"delta":{"content":"Hel"},"logprobs":null,"finish_reason":null}],"usage":null}

data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"qwen3","choices":[{"index":0,"delta":{"content":"lo \"world\"\n"},"logprobs":null,"finish_reason":null}],"usage":null}

data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"qwen3","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}],"usage":null}

data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"qwen3","choices":[],"usage":{"prompt_tokens":120,"completion_tokens":18,"total_tokens":138,"prompt_tokens_details":{"cached_tokens":64}}}

data: [DONE]

)";

// DeepSeek/vLLM reasoning parser: reasoning_content then content.
inline constexpr std::string_view o_reasoning = R"(data: {"id":"c2","object":"chat.completion.chunk","created":1,"model":"r1","choices":[{"index":0,"delta":{"role":"assistant","content":null,"reasoning_content":""},"finish_reason":null}]}

data: {"id":"c2","object":"chat.completion.chunk","created":1,"model":"r1","choices":[{"index":0,"delta":{"content":null,"reasoning_content":"Let me "},"finish_reason":null}]}

data: {"id":"c2","object":"chat.completion.chunk","created":1,"model":"r1","choices":[{"index":0,"delta":{"content":null,"reasoning_content":"think."},"finish_reason":null}]}

data: {"id":"c2","object":"chat.completion.chunk","created":1,"model":"r1","choices":[{"index":0,"delta":{"content":"Answer: 4"},"finish_reason":null}]}

data: {"id":"c2","object":"chat.completion.chunk","created":1,"model":"r1","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":{"prompt_tokens":30,"completion_tokens":9,"total_tokens":39}}

data: [DONE]

)";

// Ollama / LM Studio style `reasoning` field, CRLF line endings.
inline constexpr std::string_view o_reasoning_field =
    "data: {\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"reasoning\":\"hmm\"},\"finish_reason\":null}]}\r\n\r\n"
    "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"ok\"},\"finish_reason\":null}]}\r\n\r\n"
    "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\r\n\r\n"
    "data: [DONE]\r\n\r\n";

// Two parallel calls whose fragments interleave (OpenAI may do this with parallel_tool_calls).
inline constexpr std::string_view o_parallel_interleaved = R"(data: {"id":"c3","object":"chat.completion.chunk","created":1,"model":"gpt","choices":[{"index":0,"delta":{"role":"assistant","content":null},"finish_reason":null}]}

data: {"id":"c3","object":"chat.completion.chunk","created":1,"model":"gpt","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_a","type":"function","function":{"name":"read_file","arguments":""}}]},"finish_reason":null}]}

data: {"id":"c3","object":"chat.completion.chunk","created":1,"model":"gpt","choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"id":"call_b","type":"function","function":{"name":"grep","arguments":""}}]},"finish_reason":null}]}

data: {"id":"c3","object":"chat.completion.chunk","created":1,"model":"gpt","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"path\": \"a"}}]},"finish_reason":null}]}

data: {"id":"c3","object":"chat.completion.chunk","created":1,"model":"gpt","choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"function":{"arguments":"{\"pattern\":"}}]},"finish_reason":null}]}

data: {"id":"c3","object":"chat.completion.chunk","created":1,"model":"gpt","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":".cpp}\"}"}}]},"finish_reason":null}]}

data: {"id":"c3","object":"chat.completion.chunk","created":1,"model":"gpt","choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"function":{"arguments":" \"TODO\"}"}}]},"finish_reason":null}]}

data: {"id":"c3","object":"chat.completion.chunk","created":1,"model":"gpt","choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}

data: {"id":"c3","object":"chat.completion.chunk","created":1,"model":"gpt","choices":[],"usage":{"prompt_tokens":500,"completion_tokens":40,"total_tokens":540}}

data: [DONE]

)";

// llama.cpp: text, then one call streamed sequentially, finish_reason "stop" despite the call.
inline constexpr std::string_view o_text_then_tool = R"(data: {"choices":[{"index":0,"delta":{"role":"assistant","content":"Checking."},"finish_reason":null}],"created":1,"id":"c4","model":"m","object":"chat.completion.chunk"}

data: {"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"read_file","arguments":"{\""}}]},"finish_reason":null}],"created":1,"id":"c4","model":"m","object":"chat.completion.chunk"}

data: {"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"path\":\"a.cpp\"}"}}]},"finish_reason":null}],"created":1,"id":"c4","model":"m","object":"chat.completion.chunk"}

data: {"choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"id":"call_2","type":"function","function":{"name":"ls","arguments":"{}"}}]},"finish_reason":null}],"created":1,"id":"c4","model":"m","object":"chat.completion.chunk"}

data: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"created":1,"id":"c4","model":"m","object":"chat.completion.chunk","usage":{"completion_tokens":25,"prompt_tokens":300,"total_tokens":325}}

data: [DONE]

)";

// Ollama: whole arguments in one fragment, index 0 reused for both calls, both in one chunk.
inline constexpr std::string_view o_ollama_reused_index = R"(data: {"id":"chatcmpl-9","object":"chat.completion.chunk","created":1,"model":"llama3.1","system_fingerprint":"fp_ollama","choices":[{"index":0,"delta":{"role":"assistant","content":"","tool_calls":[{"id":"call_x1","index":0,"type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}},{"id":"call_x2","index":0,"type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Rome\"}"}}]},"finish_reason":null}]}

data: {"id":"chatcmpl-9","object":"chat.completion.chunk","created":1,"model":"llama3.1","system_fingerprint":"fp_ollama","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":"tool_calls"}]}

data: {"id":"chatcmpl-9","object":"chat.completion.chunk","created":1,"model":"llama3.1","system_fingerprint":"fp_ollama","choices":[],"usage":{"prompt_tokens":88,"completion_tokens":30,"total_tokens":118}}

data: [DONE]

)";

// A call with no id at all (old Ollama omitted index and id), and a name with odd characters.
inline constexpr std::string_view o_tool_without_id = R"(data: {"choices":[{"index":0,"delta":{"tool_calls":[{"type":"function","function":{"name":"run","arguments":"{\"cmd\":\"ls\"}"}}]},"finish_reason":null}]}

data: {"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}

data: [DONE]

)";

// Text, no finish_reason at all, then [DONE] (some local servers).
inline constexpr std::string_view o_missing_finish = R"(data: {"choices":[{"index":0,"delta":{"content":"partial"},"finish_reason":null}]}

data: [DONE]

)";

// Cut in the middle of a tool call's arguments: no finish_reason, no [DONE].
inline constexpr std::string_view o_cut_mid_tool = R"(data: {"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_c","type":"function","function":{"name":"write","arguments":"{\"path\":\"x"}}]},"finish_reason":null}]}

)";

inline constexpr std::string_view o_length = R"(data: {"choices":[{"index":0,"delta":{"content":"abc"},"finish_reason":null}]}

data: {"choices":[{"index":0,"delta":{},"finish_reason":"length"}]}

data: [DONE]

)";

inline constexpr std::string_view o_upstream_error = R"(data: {"choices":[{"index":0,"delta":{"content":"abc"},"finish_reason":null}]}

data: {"error":{"message":"Server overloaded, try later","type":"server_error","code":503}}

data: [DONE]

)";

// Anthropic upstream: thinking, text, two tool calls, ping, usage in message_start/delta.
inline constexpr std::string_view a_full = R"(event: message_start
data: {"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":410,"cache_creation_input_tokens":20,"cache_read_input_tokens":100,"output_tokens":1}}}

event: content_block_start
data: {"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":"","signature":""}}

event: content_block_delta
data: {"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"Need the file."}}

event: content_block_delta
data: {"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"EqQBCgIYAhIM"}}

event: content_block_stop
data: {"type":"content_block_stop","index":0}

event: content_block_start
data: {"type":"content_block_start","index":1,"content_block":{"type":"text","text":""}}

event: ping
data: {"type": "ping"}

event: content_block_delta
data: {"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"Checking."}}

event: content_block_stop
data: {"type":"content_block_stop","index":1}

event: content_block_start
data: {"type":"content_block_start","index":2,"content_block":{"type":"tool_use","id":"toolu_9","name":"read_file","input":{}}}

event: content_block_delta
data: {"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":""}}

event: content_block_delta
data: {"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"{\"path\": \"a"}}

event: content_block_delta
data: {"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":".cpp\"}"}}

event: content_block_stop
data: {"type":"content_block_stop","index":2}

event: content_block_start
data: {"type":"content_block_start","index":3,"content_block":{"type":"tool_use","id":"toolu_10","name":"ls","input":{}}}

event: content_block_delta
data: {"type":"content_block_delta","index":3,"delta":{"type":"input_json_delta","partial_json":"{}"}}

event: content_block_stop
data: {"type":"content_block_stop","index":3}

event: message_delta
data: {"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":42}}

event: message_stop
data: {"type":"message_stop"}

)";

inline constexpr std::string_view a_overloaded = R"(event: message_start
data: {"type":"message_start","message":{"id":"msg_2","type":"message","role":"assistant","model":"claude","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":5,"output_tokens":1}}}

event: content_block_start
data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}

event: content_block_delta
data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}}

event: error
data: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}

)";

inline constexpr std::string_view a_max_tokens_no_stop = R"(event: message_start
data: {"type":"message_start","message":{"id":"msg_3","type":"message","role":"assistant","model":"claude","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":7,"output_tokens":1}}}

event: content_block_start
data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}

event: content_block_delta
data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Long"}}

event: content_block_stop
data: {"type":"content_block_stop","index":0}

event: message_delta
data: {"type":"message_delta","delta":{"stop_reason":"max_tokens","stop_sequence":null},"usage":{"output_tokens":16}}

)";

inline constexpr std::string_view a_cut_early = R"(event: message_start
data: {"type":"message_start","message":{"id":"msg_4","type":"message","role":"assistant","model":"claude","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":7,"output_tokens":1}}}

event: content_block_start
data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}

event: content_block_delta
data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Lo"}}

)";

}  // namespace spillway::dialect::test_streams
