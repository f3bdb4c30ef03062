// Password hashing for users (UAA's job): PBKDF2-HMAC-SHA256 with a random salt per hash.
#pragma once

#include <string>

namespace mcf::auth {

// "pbkdf2-sha256$<iterations>$<salt base64>$<hash base64>". Deliberately slow (~100k
// iterations, tens of milliseconds): call it off the loop (loop::queueWork).
std::string hashPassword(const std::string& password);

// True when password matches encoded (as hashPassword made it); false for a wrong password
// and for any string that is not such an encoding. Compares in constant time. Slow, as above.
bool verifyPassword(const std::string& password, const std::string& encoded);

}  // namespace mcf::auth
