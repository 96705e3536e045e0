/* xapi: constants shared by every module that speaks xAPI. */
#ifndef LRS_XAPI_H
#define LRS_XAPI_H

/* The xAPI version a request speaks, from its X-Experience-API-Version. */
enum xapi_version {
	XAPI_V09 = 0,	/* no header: a 0.9 request by the spec (1.0.3 3.3.s3.b4.1),
			 * which this LRS rejects; never reaches a handler */
	XAPI_V1 = 1,	/* 1.0.0 - 1.0.3: answered as 1.0.3 */
	XAPI_V2 = 2	/* 2.0.x: answered as 2.0.0 */
};

#define XAPI_VOIDED_VERB	"http://adlnet.gov/expapi/verbs/voided"
#define XAPI_SIGNATURE_USAGE	"http://adlnet.gov/expapi/attachments/signature"

#endif
