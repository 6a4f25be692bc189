/** Access-token timing, shared by issuing, verifying and revocation (no imports: no cycles). */
export const accessTokenLifetimeSeconds = 15 * 60;
/** RFC 8725 / ASVS V9.2.1: `exp` and `nbf` are checked with this much clock skew allowed. */
export const clockToleranceSeconds = 60;
export const accessTokenType = 'at+jwt';
