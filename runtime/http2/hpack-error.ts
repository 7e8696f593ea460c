/** A header block this server cannot decode: a COMPRESSION_ERROR for the whole connection (RFC 9113, 4.3). */
export class HpackError extends Error {}
