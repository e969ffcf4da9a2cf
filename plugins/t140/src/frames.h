// PVP frames the T.140 plugin sends for its virtual participants (docs/protocol.md):
// session.create, session.join, context.add (audio_transcript) and session.leave.
//
// THREAD: pure functions. OWNERSHIP: return owned strings.
#pragma once

#include <string>

#include "listener_pipeline.h"
#include "transcript_buffer.h"

namespace pvpd::t140 {

// `config_json`: a SessionConfig object, or empty for the protocol's defaults
// (docs/protocol.md "session.create").
std::string create_frame(const std::string &session, const std::string &name,
                         const std::string &config_json, const SpeakerInfo &speaker);
std::string join_frame(const std::string &session, const SpeakerInfo &speaker);
// Key: t140/<participant>/<stream>/<index>; a revision reuses the revised chunk's key.
std::string context_key(const SpeakerInfo &speaker, uint64_t index);
// `gated`: the chunk asks for approval (`requires_approval`, a context_change gate) before it
// becomes context (gate_transcripts).
std::string context_frame(const std::string &session, const SpeakerInfo &speaker,
                          const Chunk &chunk, bool gated = false);
std::string leave_frame(const std::string &session, const SpeakerInfo &speaker,
                        const std::string &reason);

}  // namespace pvpd::t140
