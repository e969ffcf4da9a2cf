// Request builders: one agent::Conversation → the JSON body of one streaming request, for
// each API (Anthropic Messages, OpenAI Responses, OpenAI Chat Completions).
//
// The assistant turns are replayed exactly as the decoders recorded them: Anthropic thinking
// blocks with their signatures (and redacted_thinking blocks) and OpenAI reasoning/message/
// function_call items come back from the blocks' opaque data; a thinking block without usable
// opaque data (interrupted, or produced by another provider) cannot be sent back and is left
// out. Tool results follow the provider's shape (tool_result blocks, function_call_output
// items, `tool` messages). Tool schemas and tool_use arguments are JSON texts and must parse.
//
// THREAD: pure functions. OWNERSHIP / LIFETIME: n/a.
#pragma once

#include <string>

#include "agent/brain.h"
#include "llm/llm_options.h"

namespace pvpd::llm {

// Each returns the body, or an empty string with a reason in `error` (e.g. a tool schema that
// is not a JSON object).
std::string build_anthropic_request(const agent::Conversation &conversation,
                                    const LlmOptions &options, std::string *error);
std::string build_responses_request(const agent::Conversation &conversation,
                                    const LlmOptions &options, std::string *error);
std::string build_chat_request(const agent::Conversation &conversation, const LlmOptions &options,
                               std::string *error);

// Dispatches on options.api.
std::string build_request(const agent::Conversation &conversation, const LlmOptions &options,
                          std::string *error);

}  // namespace pvpd::llm
