// Entry point: registers every component (the parts before the shell that holds them);
// <pv-app> in index.html does the rest.

import "./components/pv-header.js";
import "./components/pv-forum-list.js";
import "./components/pv-program.js";
import "./components/pv-registration.js";
import "./components/pv-session.js";
import "./components/pv-marathon.js";
import "./components/pv-agenda.js";
import "./components/pv-badge.js";
import "./components/pv-door.js";
import "./components/pv-attendance.js";
import "./components/pv-stage-player.js";
import "./components/pv-room.js";
import "./components/pv-backstage.js";
import "./components/pv-console.js";
import "./components/pv-lightbox.js";
import "./components/pv-private-chat.js";
import "./components/pv-contact.js";
import "./components/pv-showrooms.js";
import "./components/pv-pavilion.js";
import "./components/pv-stand.js";
import "./components/pv-exhibitor.js";
import "./components/pv-stand-dashboard.js";
import "./components/pv-signin.js";
import "./components/pv-signup.js";
import "./components/pv-footer.js";
import "./components/pv-app.js";
