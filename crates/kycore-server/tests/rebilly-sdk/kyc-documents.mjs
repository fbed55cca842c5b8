// Rebilly's own JS SDK reading and reviewing a request's KYC documents in kycore: getAll by
// request, get, accept one and reject the other with a documented reason. Prints what the
// SDK returned as one JSON document for the Rust test to check.
// Usage: KYCORE_URL=… KYCORE_KEY=… KYCORE_ORGANIZATION=… KYCORE_REQUEST=…
//        KYCORE_ACCEPT=<document id> KYCORE_REJECT=<document id> node kyc-documents.mjs
import { api } from './api.mjs';

const all = await api.kycDocuments.getAll({ filter: `requestId:${process.env.KYCORE_REQUEST}`, limit: 10 });
const got = await api.kycDocuments.get({ id: process.env.KYCORE_ACCEPT });
const accepted = await api.kycDocuments.accept({ id: process.env.KYCORE_ACCEPT });
const rejected = await api.kycDocuments.reject({
    id: process.env.KYCORE_REJECT,
    data: { type: 'document-expired', message: 'The bill has expired.' },
});
console.log(JSON.stringify({
    all: { total: all.total, ids: all.items.map((m) => m.fields.id) },
    got: got.fields,
    accepted: { status: accepted.response.status, fields: accepted.fields },
    rejected: { status: rejected.response.status, fields: rejected.fields },
}));
