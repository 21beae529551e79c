#pragma once

namespace spillway {

// Raises the soft limit on open descriptors to the hard limit. Every held stream costs a
// gateway two descriptors; the usual soft default of 1024 would cap it at a few hundred agents.
void raise_descriptor_limit();

}  // namespace spillway
