import { app } from '@azure/functions';

// Stream request bodies into the handlers so the 30 MB cap is enforced while reading, not after the host buffered it.
app.setup({ enableHttpStream: true });
