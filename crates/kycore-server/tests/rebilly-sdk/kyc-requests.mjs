// Rebilly's own JS SDK against kycore, configured only with kycore's URL, a kycore secret key
// and the organization id: create, get, getAll, update and delete a KYC request, and a
// refused create. Prints what the SDK returned as one JSON document for the Rust test to
// check. Usage: KYCORE_URL=… KYCORE_KEY=… KYCORE_ORGANIZATION=… node kyc-requests.mjs
import { api } from './api.mjs';

const data = {
    customerId: 'cus_SDK',
    documents: [{ type: 'identity-proof', faceProofRequired: true }],
    redirectUrl: 'https://example.com/back',
    reason: 'registration',
};
const created = await api.kycRequests.create({ data });
const id = created.fields.id;
const got = await api.kycRequests.get({ id });
const all = await api.kycRequests.getAll({ limit: 10, offset: 0, sort: ['-createdTime'] });
const updated = await api.kycRequests.update({ id, data: { reason: 'spend limit' } });
let refused = null;
try {
    await api.kycRequests.create({ data: { customerId: 'cus_SDK', documents: [{ type: 'nope' }] } });
} catch (error) {
    refused = { name: error.name, status: error.status, invalidFields: error.invalidFields };
}
const deleted = await api.kycRequests.delete({ id });
let missing = null;
try {
    await api.kycRequests.get({ id });
} catch (error) {
    missing = { name: error.name, status: error.status };
}
console.log(JSON.stringify({
    created: { status: created.response.status, fields: created.fields },
    got: got.fields,
    all: { total: all.total, limit: all.limit, offset: all.offset, ids: all.items.map((m) => m.fields.id) },
    updated: updated.fields,
    refused,
    deleted: deleted.response.status,
    missing,
}));
