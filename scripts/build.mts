// npm run build: a production build, recorded so `npm start` does not build again.
import { build } from "./build-state.mts";

build();
