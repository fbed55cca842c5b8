// Rebilly's own JS SDK reading and reviewing a request's KYC documents in kycore: getAll by
// request and unfiltered, get, take one to review and let it go, accept one and reject the
// other with a documented reason, then record a review of the accepted one. Prints what the
// SDK returned as one JSON document for the Rust test to check.
// Usage: KYCORE_URL=… KYCORE_KEY=… KYCORE_ORGANIZATION=… KYCORE_REQUEST=…
//        KYCORE_ACCEPT=<document id> KYCORE_REJECT=<document id> node kyc-documents.mjs
import { api } from './api.mjs';

const all = await api.kycDocuments.getAll({ filter: `requestId:${process.env.KYCORE_REQUEST}`, limit: 10 });
const everything = await api.kycDocuments.getAll();
const got = await api.kycDocuments.get({ id: process.env.KYCORE_ACCEPT });
const started = await api.kycDocuments.startReview({ id: process.env.KYCORE_ACCEPT });
const stopped = await api.kycDocuments.stopReview({ id: process.env.KYCORE_ACCEPT });
const accepted = await api.kycDocuments.accept({ id: process.env.KYCORE_ACCEPT });
const rejected = await api.kycDocuments.reject({
    id: process.env.KYCORE_REJECT,
    data: { type: 'document-expired', message: 'The bill has expired.' },
});
const reviewed = await api.kycDocuments.review({ id: process.env.KYCORE_ACCEPT });
console.log(JSON.stringify({
    all: { total: all.total, ids: all.items.map((m) => m.fields.id) },
    everything: { total: everything.total, ids: everything.items.map((m) => m.fields.id) },
    got: got.fields,
    started: { status: started.response.status, fields: started.fields },
    stopped: stopped.fields,
    reviewed: reviewed.fields,
    accepted: { status: accepted.response.status, fields: accepted.fields },
    rejected: { status: rejected.response.status, fields: rejected.fields },
}));
