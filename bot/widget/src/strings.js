// The widget's own words. Everything a person reads or hears comes from here, so a
// translation is one more entry in STRINGS (data-lang picks it; English is the fallback).

export const LEVELS = ['emergency', 'urgent', 'soon', 'routine', 'self_care'];

// The advice text starts with its level in capitals ("EMERGENCY: call ..."); the widget
// shows the level as a heading, so that word is dropped from the text to avoid saying it twice.
export const LEVEL_PREFIX = /^\s*(emergency|urgent|soon|routine|self[- ]care)\s*:\s*/i;

export const STRINGS = {
  en: {
    defaultTitle: 'Skin bumps assistant',
    launcher: 'Chat',
    launcherLabel: 'Chat: ',
    close: 'Close chat',
    startOver: 'Start over',
    startOverLabel: 'Start over: clear this conversation',
    conversation: 'Conversation',
    messages: 'Messages',
    inputLabel: 'Type your message',
    placeholder: 'Type your question\u2026',
    send: 'Send',
    youSaid: 'You said: ',
    assistantSaid: 'Assistant said: ',
    typing: 'The assistant is typing\u2026',
    suggestions: 'Suggested replies',
    nextSteps: 'What you can do next',
    errors: {
      unreachable: 'Sorry, I can\u2019t reach the assistant right now: its server is not answering, ' +
        'so your message hasn\u2019t been sent. Please try again in a moment.',
      offline: 'Sorry, I can\u2019t reach the assistant: this device seems to be offline, so your ' +
        'message hasn\u2019t been sent. Please check your connection and try again.',
      refused: 'Sorry, the assistant isn\u2019t set up to answer on this website yet, so your message ' +
        'hasn\u2019t been sent. Please let the website\u2019s owner know.',
      timeout: 'Sorry, the assistant took too long to answer. Please try again.',
      server: 'Sorry, something went wrong on the assistant\u2019s side and it couldn\u2019t answer. ' +
        'Please try again.',
      rejected: 'The assistant couldn\u2019t accept that message. Please shorten it and try again.',
      deleteFailed: 'Sorry, the conversation couldn\u2019t be deleted just now. Nothing has been removed; ' +
        'please try again.'
    },
    retry: 'Try again',
    emergencyKnown: 'If someone may be seriously ill, call ',
    emergencyKnownEnd: ' now.',
    emergencyUnknown: 'If someone may be seriously ill, call your local emergency number now.',
    note: 'General information only, not a diagnosis.',
    noteEmergency: ' Emergency? ',
    call: 'Call ',
    callNow: ' now',
    callClinic: 'Call the clinic',
    callMedicalLine: 'Call the medical line',
    book: 'Book an appointment',
    startAgain: 'Start again',
    openLink: ' (opens in a new tab)',
    image: 'Open image',
    deleteConversation: 'Delete this conversation',
    confirmStartOver: 'Clear this conversation and start again? The advice above will be removed.',
    confirmStartOverYes: 'Clear and start again',
    confirmDelete: 'Delete this conversation from this browser and from the assistant\u2019s server?',
    confirmDeleteYes: 'Delete it',
    confirmNo: 'Keep it',
    deleted: 'Your conversation has been deleted. A new one has started.',
    newSession: 'The earlier conversation had ended, so a new one has started.',
    levels: {
      emergency: 'Emergency: get help now',
      urgent: 'Urgent: get medical help today',
      soon: 'Soon: see a doctor within 1 to 2 weeks',
      routine: 'Routine: mention it at a check-up',
      self_care: 'Self-care: usually fine to look after at home'
    }
  }
};
