#include <doctest/doctest.h>

#include <set>
#include <string>
#include <vector>

#include "password_hash.hpp"

using namespace mq::password;

namespace {

// The fixed salt of the vectors below: the 12 bytes "mq-fixedsalt".
const std::string fixed_salt_text = "mq-fixedsalt";
const std::vector<unsigned char> fixed_salt(fixed_salt_text.begin(), fixed_salt_text.end());

// Computed independently with Python's hashlib, once:
//   python3 -c 'import hashlib,base64; s=b"mq-fixedsalt"; b=lambda x: base64.b64encode(x).decode()
//     for pw in [b"wonderland", "pässwörd".encode()]:
//       for it in [1, 101, 1000]: print("$7$%d$%s$%s" % (it, b(s), b(hashlib.pbkdf2_hmac("sha512", pw, s,
//       it)))) print("$6$%s$%s" % (b(s), b(hashlib.sha512(pw + s).digest())))'
struct Vector {
  std::string password;
  HashType type;
  int iterations;
  std::string expected;
};
const Vector vectors[] = {
    {"wonderland", HashType::sha512_pbkdf2, 1,
     "$7$1$bXEtZml4ZWRzYWx0$Powhtjfll1KQW9SITic+"
     "R3ot0Gwks9lbbOVzO9WVp1densnnMaqyQFHel19RYiCtd6B2cAHa4NtfmZiWkmEYlQ=="},
    {"wonderland", HashType::sha512_pbkdf2, 101,
     "$7$101$bXEtZml4ZWRzYWx0$xjQzAWUNxhEbsCeiB/"
     "8XZjyv0zCBdzQbABrpv73rAvZdMgbgt+U95L3TnK38WxfDrr3sp+HiDsxnIaw3W4btuw=="},
    {"wonderland", HashType::sha512_pbkdf2, 1000,
     "$7$1000$bXEtZml4ZWRzYWx0$k9UYbSzKuwU5U50WjQASlCVekYPucZ5Moh+TkhqTWNwtIalVqswEzAl2Prk8LsuLM2ybi+"
     "PdSseWEKGwFh5KUw=="},
    {"wonderland", HashType::sha512, 0,
     "$6$bXEtZml4ZWRzYWx0$aTx9v6JYGN+CbN5pqWZcr4Tn2plL7C9yLPEDdNyVPeA6dTysqi4WKs2wVTjviOYkVvj0E/"
     "ZIEsZphx3u68b1tg=="},
    {"p\xc3\xa4ssw\xc3\xb6rd", HashType::sha512_pbkdf2, 1,
     "$7$1$bXEtZml4ZWRzYWx0$0Zab2hvXNKNb6H7+ZPRv+z1l7h8hGVudkINWdEqWw+8PAqUwWesFyCpoxkdmtqemF+"
     "pItjNC23DCVO0B8zdXZg=="},
    {"p\xc3\xa4ssw\xc3\xb6rd", HashType::sha512_pbkdf2, 101,
     "$7$101$bXEtZml4ZWRzYWx0$ujprJMU2ZQC9tJPVXUqcV4rg6eEcd5GaasUxpEd8iGf9RWW0SRqmal1Dv9PE/"
     "+d4t4qflA2OH+bK62JPkTcfqg=="},
    {"p\xc3\xa4ssw\xc3\xb6rd", HashType::sha512_pbkdf2, 1000,
     "$7$1000$bXEtZml4ZWRzYWx0$Gv6QJ5/ow0jRlYN40hmk9B0ZHDRfhb+k3LzEsFEpBNyB/"
     "0QnCMK0l0p2zZVaTY4KpDMONFCWKc82i8lQjzHtJw=="},
    {"p\xc3\xa4ssw\xc3\xb6rd", HashType::sha512, 0,
     "$6$bXEtZml4ZWRzYWx0$S5AMd6WpOCs37+I4HSsCG/GIvf4Br7oaIJ8nObD/8ibeseqdWAdw8pJ5SLjsyJv0mJn4l2S4tKv22ANBa/"
     "GwLw=="},
};

std::string problem_of(std::string_view text) {
  const ParsedHash parsed = parse_hash(text);
  CHECK_FALSE(parsed.hash);
  return parsed.problem;
}

}  // namespace

TEST_CASE("hashes with a fixed salt match vectors computed by Python's hashlib") {
  for (const Vector& vector : vectors) {
    CAPTURE(vector.expected);
    CHECK(format_hash(hash_password(vector.password, vector.type, vector.iterations, fixed_salt)) ==
          vector.expected);
  }
}

TEST_CASE("a parsed vector matches its password and no other") {
  for (const Vector& vector : vectors) {
    CAPTURE(vector.expected);
    const ParsedHash parsed = parse_hash(vector.expected);
    REQUIRE(parsed.hash);
    CHECK(format_hash(*parsed.hash) == vector.expected);
    CHECK(matches(*parsed.hash, vector.password));
    CHECK_FALSE(matches(*parsed.hash, vector.password + "x"));
  }
}

TEST_CASE("hashes written by mosquitto_passwd 2.0.11 are read and verified") {
  // mosquitto_passwd -c -b FILE alice secret, and -H sha512 ... bob hunter2
  const auto pbkdf2 =
      parse_hash("$7$101$nyjppBZWKDv+vyEJ$JHZEMwkuhhj7I6XOAkbf/gunkknARLPmi1uFm9TrGppGw9SP7dqwumqQ6eGCMg9"
                 "xZKBFkWDPPz3+YgC2Ey005g==");
  REQUIRE(pbkdf2.hash);
  CHECK(pbkdf2.hash->iterations == 101);
  CHECK(matches(*pbkdf2.hash, "secret"));
  const auto sha512 =
      parse_hash("$6$+pZlRlcdQXWMK39W$DhHibJZ8tv+tbRGQRlFu1YcHHLM/nRbthO3coXpH/Fk6wIsXYTOMDWDOTixrszV9K"
                 "mPx+LHnirOQggjKG0ZgVw==");
  REQUIRE(sha512.hash);
  CHECK(matches(*sha512.hash, "hunter2"));
  CHECK_FALSE(matches(*sha512.hash, "hunter3"));
}

TEST_CASE("new hashes get 12 random bytes of salt and the default of 1000 iterations") {
  const Hash first = hash_password("pw", HashType::sha512_pbkdf2);
  const Hash second = hash_password("pw", HashType::sha512_pbkdf2);
  CHECK(first.salt.size() == 12);
  CHECK(first.iterations == 1000);
  CHECK(first.salt != second.salt);
  CHECK(format_hash(first).starts_with("$7$1000$"));
  CHECK(format_hash(hash_password("pw", HashType::sha512)).starts_with("$6$"));
}

TEST_CASE("hash_passwords hashes every password, in order, each with its own salt") {
  std::vector<std::string> passwords;
  for (int i = 0; i < 100; ++i)
    passwords.push_back("password" + std::to_string(i));
  const std::vector<Hash> hashes = hash_passwords(passwords, HashType::sha512_pbkdf2, 3);
  REQUIRE(hashes.size() == passwords.size());
  std::set<std::string> salts;  // as text: GCC 12 warns wrongly about sets of vectors
  for (std::size_t i = 0; i < hashes.size(); ++i) {
    CHECK(matches(hashes[i], passwords[i]));
    salts.insert(std::string(hashes[i].salt.begin(), hashes[i].salt.end()));
  }
  CHECK(salts.size() == passwords.size());
}

TEST_CASE("parse_hash says what is wrong with a broken hash") {
  const std::string salt = "bXEtZml4ZWRzYWx0";
  const std::string digest =
      "aTx9v6JYGN+CbN5pqWZcr4Tn2plL7C9yLPEDdNyVPeA6dTysqi4WKs2wVTjviOYkVvj0E/ZIEsZphx3u68b1tg==";
  CHECK(problem_of("$5$" + salt + "$" + digest).find("$6$ or $7$") != std::string::npos);
  CHECK(problem_of("$6$" + salt).find("two fields") != std::string::npos);
  CHECK(problem_of("$7$1000$" + salt).find("three fields") != std::string::npos);
  CHECK(problem_of("$7$0$" + salt + "$" + digest).find("iteration") != std::string::npos);
  CHECK(problem_of("$7$-1$" + salt + "$" + digest).find("iteration") != std::string::npos);
  CHECK(problem_of("$7$99999999999$" + salt + "$" + digest).find("iteration") != std::string::npos);
  CHECK(problem_of("$6$$" + digest).find("salt") != std::string::npos);
  CHECK(problem_of("$6$" + salt + "!$" + digest).find("salt") != std::string::npos);
  CHECK(problem_of("$6$" + salt + "$" + salt).find("12 bytes long instead of 64") != std::string::npos);
  CHECK(problem_of("$6$" + salt + "$" + digest + "$").find("two fields") != std::string::npos);
}

TEST_CASE("-H names map to hash types") {
  CHECK(hash_type_from_name("sha512") == HashType::sha512);
  CHECK(hash_type_from_name("sha512-pbkdf2") == HashType::sha512_pbkdf2);
  CHECK_FALSE(hash_type_from_name("md5"));
  CHECK(hash_type_name(HashType::sha512_pbkdf2) == "sha512-pbkdf2");
}
