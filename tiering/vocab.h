/* vocab: the IRIs of the tiering engine's xAPI Profile (schemas/profile.jsonld). */
#ifndef TIER_VOCAB_H
#define TIER_VOCAB_H

#define TV_NS		"https://lrsd.dev/xapi/tiering"
#define TV_VERB(x)	TV_NS "/verbs/" x
#define TV_EXT(x)	TV_NS "/extensions/" x

#define TV_JOIN		"http://activitystrea.ms/join"
#define TV_LEAVE	"http://activitystrea.ms/leave"
#define TV_REGISTERED	"http://adlnet.gov/expapi/verbs/registered"
#define TV_CLOSED	"http://id.tincanapi.com/verb/closed-sale"
#define TV_COMPLETED	"http://adlnet.gov/expapi/verbs/completed"
#define TV_PASSED	"http://adlnet.gov/expapi/verbs/passed"
#define TV_VOIDED	"http://adlnet.gov/expapi/verbs/voided"
#define TV_CONFERRED	"https://w3id.org/xapi/tla/verbs/conferred"
#define TV_EXPIRED	"https://w3id.org/xapi/tla/verbs/expired"
#define TV_REVOKED	"https://w3id.org/xapi/tla/verbs/revoked"
#define TV_DEAL		TV_NS "/activity-types/deal"
#define TV_AGREEMENT	TV_NS "/activity-types/partner-agreement"

/* The authorities of the engine's own statements: outcomes and clock ticks
 * ("lrsd-tiering") and admin acts made through /tiering
 * ("lrsd-tiering-admin"; the actor is the admin's credential).  Credential
 * keys beginning with "lrsd-" are reserved, so no client can write these. */
#define TV_ENGINE	"lrsd-tiering"
#define TV_ADMIN	"lrsd-tiering-admin"

#endif
