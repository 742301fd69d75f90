/* Profile loader: bytes -> profile_parse -> policy. A profile that parses
 * must read back as an equal policy after policy_format_yaml (the
 * --show-policy output is a profile), and merging a policy into a copy of
 * itself must change nothing. */
#include <stdlib.h>

#include "fuzz.h"
#include "profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct hermetic_policy copy;
    struct hermetic_error err;
    struct profile_doc doc;
    char why[1024];

    if (profile_parse((const char *)data, size, "<fuzz>", &doc, &err) != 0) {
        if (err.message[0] == '\0')
            fuzz_fail("profile_parse failed without a message");
        return 0;
    }
    fuzz_check_yaml_round_trip(&doc.policy, "the profile");

    policy_init(&copy);
    policy_copy(&copy, &doc.policy);
    if (policy_merge(&copy, &doc.policy, "<fuzz>", &err) != 0)
        fuzz_fail("merging a policy into its own copy fails: %s", err.message);
    if (!fuzz_policy_equal(&doc.policy, &copy, why, sizeof(why)))
        fuzz_fail("merging a policy into its own copy changes it: %s", why);
    policy_free(&copy);

    (void)policy_validate(&doc.policy, &err);
    profile_doc_free(&doc);
    return 0;
}
