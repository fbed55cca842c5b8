// Rebilly's own JS SDK making a KYC document in kycore from a file it uploads: files.upload
// with a FormData, kycDocuments.create naming the file, kycDocuments.update with a note.
// Prints what the SDK returned as one JSON document for the Rust test to check.
// Usage: KYCORE_URL=… KYCORE_KEY=… KYCORE_ORGANIZATION=… KYCORE_REQUEST=… KYCORE_CUSTOMER=…
//        KYCORE_PHOTO=<path of a JPEG> node kyc-document-create.mjs
import { readFileSync } from 'node:fs';
import { api } from './api.mjs';

const form = new FormData();
const photo = new Blob([readFileSync(process.env.KYCORE_PHOTO)], { type: 'image/jpeg' });
form.append('file', photo, 'bill.jpg');
const file = await api.files.upload({ fileObject: form });
const data = {
    fileIds: [file.fields.id],
    documentType: 'address-proof',
    documentSubtype: 'utility-bill',
    customerId: process.env.KYCORE_CUSTOMER,
    requestId: process.env.KYCORE_REQUEST,
};
const created = await api.kycDocuments.create({ data });
const updated = await api.kycDocuments.update({
    id: created.fields.id,
    data: { ...data, notes: 'Checked by the merchant' },
});
console.log(JSON.stringify({
    file: { status: file.response.status, fields: file.fields },
    created: { status: created.response.status, fields: created.fields },
    updated: { status: updated.response.status, fields: updated.fields },
}));
