/** The emoji the picker offers: common ones in customer service, no library needed. */
export const EMOJI: readonly string[] = [
  "😀", "😄", "😊", "🙂", "😉", "😍", "🤗", "🤔",
  "😅", "😂", "😢", "😮", "😴", "🙏", "👍", "👎",
  "👌", "👏", "🙌", "💪", "👋", "✌️", "🤝", "❤️",
  "💯", "🎉", "✅", "❌", "⚠️", "❓", "💡", "📎",
  "📞", "📧", "📦", "🚚", "💳", "🕒", "⭐", "🌟",
];
